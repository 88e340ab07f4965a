output "api_endpoint" {
  description = "Base URL of the API for this workspace."
  value       = terraform_data.deployment.output.api_endpoint
}

output "api_id" {
  description = "Id of the workspace's HTTP API (the ApiId dimension of its CloudWatch metrics)."
  value       = terraform_data.deployment.output.api_id
}

output "api_name" {
  description = "Name of the API (the ApiName dimension, when the API is a REST API)."
  value       = local.name_prefix
}

output "api_stage" {
  description = "Stage of the API (the Stage dimension of its CloudWatch metrics)."
  value       = terraform_data.deployment.output.api_stage
}

output "function_names" {
  description = "Lambda function name per service."
  value       = { for name, svc in module.service : name => svc.function_name }
}

output "services" {
  description = "Deployed artifact details per service."
  value       = { for name, svc in module.service : name => svc.deployment }
}

output "environment" {
  description = "staging or production, derived from the workspace."
  value       = local.environment
}

output "colour" {
  description = "blue or green for production workspaces, none for staging."
  value       = local.colour
}

output "app_version" {
  description = "Application version deployed by this apply."
  value       = var.app_version
}
