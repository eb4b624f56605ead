#!/usr/bin/env python3
"""Tiny kubectl-style JSONPath evaluator for the fake kubectl.

usage: jsonpath.py TEMPLATE < object.json

Supports what the runbooks use: literal text, {.a.b}, {.a[0]}, {.a[*].b},
{.a[?(@.k=="v")].b}, escaped dots (labels.helm\\.sh/chart), {"\\n"} / {"\\t"},
and {range EXPR}...{end}. Several results of one expression are joined by a
space, like kubectl. Maps and lists print as compact JSON, like kubectl.
"""
import json
import re
import sys


def tokens(template):
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(("text", template[i:]))
            break
        if j > i:
            out.append(("text", template[i:j]))
        depth, k = 0, j
        while k < len(template):
            if template[k] == "{":
                depth += 1
            elif template[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out.append(("expr", template[j + 1:k].strip()))
        i = k + 1
    return out


def split_path(path):
    parts, cur, i = [], "", 0
    while i < len(path):
        c = path[i]
        if c == "\\" and i + 1 < len(path):
            cur += path[i + 1]
            i += 2
            continue
        if c == ".":
            if cur:
                parts.append(cur)
            cur = ""
        elif c == "[":
            if cur:
                parts.append(cur)
            cur = ""
            k = path.index("]", i)
            # filters may contain ']' only inside quotes; good enough here
            parts.append(path[i:k + 1])
            i = k
        else:
            cur += c
        i += 1
    if cur:
        parts.append(cur)
    return parts


FILTER = re.compile(r'^\[\?\(@\.([A-Za-z0-9_]+)\s*==\s*["\']([^"\']*)["\']\)\]$')


def evaluate(path, roots):
    path = path.strip()
    if path.startswith("@"):
        path = path[1:]
    if path in ("", "."):
        return roots
    values = roots
    for part in split_path(path.lstrip("$")):
        nxt = []
        for v in values:
            if part.startswith("["):
                if not isinstance(v, list):
                    continue
                m = FILTER.match(part)
                if part == "[*]":
                    nxt.extend(v)
                elif m:
                    nxt.extend(x for x in v if isinstance(x, dict) and str(x.get(m.group(1))) == m.group(2))
                else:
                    idx = int(part[1:-1])
                    if -len(v) <= idx < len(v):
                        nxt.append(v[idx])
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
            elif part == "*" and isinstance(v, dict):
                nxt.extend(v.values())
        values = nxt
    return values


def fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    if v is None:
        return ""
    return str(v)


def render(toks, root, current):
    out, i = [], 0
    while i < len(toks):
        kind, val = toks[i]
        if kind == "text":
            out.append(val)
        elif val.startswith("range "):
            depth, j = 1, i + 1
            while j < len(toks):
                if toks[j][0] == "expr" and toks[j][1].startswith("range "):
                    depth += 1
                elif toks[j][0] == "expr" and toks[j][1] == "end":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            body = toks[i + 1:j]
            for item in evaluate(val[6:], [current]):
                out.append(render(body, root, item))
            i = j
        elif val.startswith('"'):
            out.append(json.loads(val))
        else:
            base = [current] if val.startswith("@") else [root if current is root else current]
            out.append(" ".join(fmt(x) for x in evaluate(val, base)))
        i += 1
    return "".join(out)


def main():
    template = sys.argv[1]
    doc = json.load(sys.stdin)
    sys.stdout.write(render(tokens(template), doc, doc))


if __name__ == "__main__":
    main()
