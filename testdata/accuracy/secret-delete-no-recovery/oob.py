import boto3
boto3.client("secretsmanager").put_secret_value(SecretId="bwa-secnorec-api-key", SecretString="set-by-the-vendor-portal")
