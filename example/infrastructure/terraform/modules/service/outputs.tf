output "function_name" {
  description = "Name of the Lambda function."
  value       = terraform_data.function.output.function_name
}

output "deployment" {
  description = "What this apply deployed for the function."
  value = {
    function_name = terraform_data.function.output.function_name
    app_version   = terraform_data.function.output.app_version
    s3_key        = terraform_data.function.output.s3_key
    code_sha256   = terraform_data.function.output.code_sha256
  }
}
