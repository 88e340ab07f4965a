locals {
  # Workspaces: staging, prod-blue, prod-green. "default" behaves as staging.
  workspace_settings = {
    default      = { environment = "staging", colour = "none" }
    staging      = { environment = "staging", colour = "none" }
    "prod-blue"  = { environment = "production", colour = "blue" }
    "prod-green" = { environment = "production", colour = "green" }
  }

  workspace_known = contains(keys(local.workspace_settings), terraform.workspace)
  settings        = lookup(local.workspace_settings, terraform.workspace, local.workspace_settings["staging"])
  environment     = local.settings.environment
  colour          = local.settings.colour

  # staging -> "staging", prod-blue -> "blue", prod-green -> "green"
  stack_label = local.colour == "none" ? local.environment : local.colour
  name_prefix = local.colour == "none" ? "storytailor-${local.environment}" : "storytailor-${local.environment}-${local.colour}"

  api_endpoint = coalesce(var.api_endpoint_override, "https://${local.stack_label}-api.${var.domain}")

  # Stand-in for the HTTP API (v2) resource: CloudWatch publishes its metrics under ApiId and Stage.
  api_id    = coalesce(var.api_id_override, local.name_prefix)
  api_stage = "v1"

  services = toset(["router", "universal-agent"])
}

resource "terraform_data" "workspace_guard" {
  input = terraform.workspace

  lifecycle {
    precondition {
      condition     = local.workspace_known
      error_message = "Unknown workspace \"${terraform.workspace}\": use staging, prod-blue or prod-green."
    }
  }
}

module "service" {
  source   = "./modules/service"
  for_each = local.services

  name        = each.key
  name_prefix = local.name_prefix
  environment = local.environment
  colour      = local.colour
  app_version = var.app_version
  artifact    = lookup(var.artifacts, each.key, null)
}

resource "terraform_data" "deployment" {
  input = {
    environment  = local.environment
    colour       = local.colour
    app_version  = var.app_version
    api_endpoint = local.api_endpoint
    api_id       = local.api_id
    api_stage    = local.api_stage
    functions    = { for name, svc in module.service : name => svc.function_name }
  }

  depends_on = [terraform_data.workspace_guard]
}
