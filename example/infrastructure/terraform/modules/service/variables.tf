variable "name" {
  description = "Service name (router or universal-agent)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for resource names, e.g. storytailor-production-blue."
  type        = string
}

variable "environment" {
  type = string
}

variable "colour" {
  type = string
}

variable "app_version" {
  type = string
}

variable "artifact" {
  description = "Lambda artifact (S3 key and SHA-256); null when not yet built."
  type = object({
    s3_key      = string
    code_sha256 = string
  })
  default = null
}
