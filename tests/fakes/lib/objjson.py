#!/usr/bin/env python3
"""Build the JSON of a generic fake object from its state directory.

usage: objjson.py DIR KIND NAMESPACE NAME

Files in DIR:
  ready            Ready condition status (True/False/Unknown); no file: no conditions
  ready_message    Ready condition message
  conditions       extra conditions, one per line: TYPE STATUS [MESSAGE...]
  field.<a.b.c>    the value of .a.b.c (a file named field.spec.ref.tag sets .spec.ref.tag);
                   values true/false/integers are typed, a value starting with [ or { is
                   JSON (lists, nested objects), everything else is a string
  labels           one key=value per line (metadata.labels)
  data.<key>       keys of .data (Secrets/ConfigMaps), value base64 of the file content
"""
import base64
import json
import os
import sys


def typed(v):
    if v[:1] in ("[", "{"):
        return json.loads(v)
    if v in ("true", "false"):
        return v == "true"
    try:
        return int(v)
    except ValueError:
        return v


def main():
    d, kind, ns, name = sys.argv[1:5]
    obj = {"kind": kind, "metadata": {"name": name}}
    if ns != "_":
        obj["metadata"]["namespace"] = ns
    conds = []
    files = sorted(os.listdir(d))
    if "ready" in files:
        msg = open(os.path.join(d, "ready_message")).read() if "ready_message" in files else ""
        conds.append({"type": "Ready", "status": open(os.path.join(d, "ready")).read().strip(), "message": msg})
    if "conditions" in files:
        for line in open(os.path.join(d, "conditions")):
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) >= 2:
                conds.append({"type": parts[0], "status": parts[1], "message": parts[2] if len(parts) > 2 else ""})
    if conds:
        obj.setdefault("status", {})["conditions"] = conds
    if "labels" in files:
        labels = {}
        for line in open(os.path.join(d, "labels")):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                labels[k] = v
        obj["metadata"]["labels"] = labels
    for f in files:
        if f.startswith("field."):
            cur = obj
            keys = f[len("field."):].split(".")
            for k in keys[:-1]:
                cur = cur.setdefault(k, {})
            cur[keys[-1]] = typed(open(os.path.join(d, f)).read().strip())
        elif f.startswith("data."):
            obj.setdefault("data", {})[f[5:]] = base64.b64encode(open(os.path.join(d, f), "rb").read()).decode()
    print(json.dumps(obj))


if __name__ == "__main__":
    main()
