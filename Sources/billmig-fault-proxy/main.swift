print("billmig-fault-proxy")
