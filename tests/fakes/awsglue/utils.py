from awsglue import CALLS


def getResolvedOptions(argv, options):
    CALLS.append(("getResolvedOptions", tuple(options)))
    values = dict(zip(argv[1::2], argv[2::2], strict=False))
    missing = [o for o in options if f"--{o}" not in values]
    if missing:
        raise SystemExit(f"missing {missing}")
    return {o: values[f"--{o}"] for o in options}
