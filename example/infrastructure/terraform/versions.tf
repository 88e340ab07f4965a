terraform {
  required_version = ">= 1.6"

  # Partial configuration: bucket, key, region and lock table are passed with
  # -backend-config at init time. Use `terraform init -backend=false` to
  # validate offline.
  backend "s3" {}
}
