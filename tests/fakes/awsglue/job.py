from awsglue import CALLS


class Job:
    def __init__(self, glue_context):
        CALLS.append(("Job", type(glue_context).__name__))

    def init(self, name, args):
        CALLS.append(("init", name, tuple(sorted(args))))

    def commit(self):
        CALLS.append(("commit",))
