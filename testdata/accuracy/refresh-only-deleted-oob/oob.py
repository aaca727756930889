import boto3
sqs = boto3.client("sqs")
sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="bwa-refresh-jobs")["QueueUrl"])
boto3.client("ssm").delete_parameter(Name="/bwa-refresh/flag")
