# A Lambda function in Python: returns its event. Serve this directory with
#   STEPSTREAM_FUNCTIONS=examples/functions npm start
# and call it as arn:aws:lambda:us-east-1:123456789012:function:echo (or FunctionName "echo").
def handler(event, context):
    return event
