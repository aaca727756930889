import boto3
boto3.client("s3").put_object(Bucket="bwa-s3force-data", Key="exports/2024-01-01.csv", Body=b"id,total\n1,42\n")
