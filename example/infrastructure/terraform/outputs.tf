output "api_endpoint" {
  description = "Base URL of the API for this workspace."
  value       = terraform_data.deployment.output.api_endpoint
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
