print("billmig: commands arrive with the AWS layer")
