print("billmig")
