import boto3
boto3.client("s3").put_object(Bucket="bwa-s3rep-data", Key="reports/q1.csv", Body=b"q,total\n1,7\n")
