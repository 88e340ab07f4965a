variable "app_version" {
  description = "Version (git tag or build id) of the application being deployed."
  type        = string

  validation {
    condition     = length(trimspace(var.app_version)) > 0
    error_message = "app_version must not be empty."
  }
}

variable "artifacts" {
  description = "Lambda artifacts per function name (router, universal-agent): S3 key and base64 SHA-256 of the zip."
  type = map(object({
    s3_key      = string
    code_sha256 = string
  }))
  default = {}
}

variable "api_endpoint_override" {
  description = "Use this URL as the api_endpoint output instead of the derived one (e.g. a local server in tests)."
  type        = string
  default     = null
}

variable "api_id_override" {
  description = "Use this id as the api_id output instead of the derived one (the HTTP API's id in CloudWatch)."
  type        = string
  default     = null
}

variable "domain" {
  description = "Internal DNS domain for the API endpoints."
  type        = string
  default     = "storytailor.internal"
}
