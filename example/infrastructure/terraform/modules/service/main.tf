terraform {
  required_version = ">= 1.6"
}

locals {
  function_name = "${var.name_prefix}-${var.name}"
  s3_key        = var.artifact == null ? "unbuilt/${var.name}/${var.app_version}.zip" : var.artifact.s3_key
  code_sha256   = var.artifact == null ? "" : var.artifact.code_sha256
}

# Stand-in for the Lambda function, alias and log group: terraform_data keeps
# the example runnable offline without any provider. A new version or artifact
# replaces the resource, as a new Lambda version would be published.
resource "terraform_data" "function" {
  input = {
    function_name = local.function_name
    environment   = var.environment
    colour        = var.colour
    app_version   = var.app_version
    s3_key        = local.s3_key
    code_sha256   = local.code_sha256
    runtime       = "nodejs20.x"
    handler       = "handler.handler"
  }

  triggers_replace = [var.app_version, local.code_sha256]
}
