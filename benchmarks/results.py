"""Generated sections of benchmarks/RESULTS.md and RESULTS.json, shared by bench.py and scaling.py.

A section is the text between `<!-- BEGIN GENERATED name -->` and `<!-- END GENERATED name -->` in
RESULTS.md and the key `sections.name` in RESULTS.json. Writing a section replaces that text and that key
and nothing else: hand-written prose outside the markers and the other sections stay as they are. A new
section goes at the end. Every section starts with the command that made it, the commit, the machine and
its load average before and after the measurement (the machine may be shared; see benchmarks/README.md).
Standard library only.
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def loadavg():
    """The 1-, 5- and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def machine():
    """CPU model, CPU count, memory, OS, Swift version, commit."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as f:
            mem_gib = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        mem_gib = None
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    except OSError:
        swift = []
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return {"cpu": model, "nproc": os.cpu_count(), "memory_gib": mem_gib, "os": platform.platform(),
            "swift": swift[0] if swift else None, "commit": commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def command_line():
    """This process's command line, as typed from the repository root."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
    return " ".join(["python3", script] + [a if re.fullmatch(r"[\w@%+=:,./-]+", a) else repr(a) for a in sys.argv[1:]])


def preamble(info, command, load_before, load_after):
    """The lines every section starts with."""
    return ["```sh", command, "```", "",
            f"- {info['date']}, commit {info['commit']}; {info['cpu']}, {info['nproc']} CPUs (`nproc`), "
            f"{info['memory_gib']} GiB; {info['os']}; {info['swift']}",
            f"- load average (1, 5, 15 min) before: {', '.join(map(str, load_before))}; after: "
            f"{', '.join(map(str, load_after))} (the machine's CPU count is {info['nproc']}: a load above it means "
            "other jobs took turns with these measurements)", ""]


def markers(name):
    return f"<!-- BEGIN GENERATED {name} -->", f"<!-- END GENERATED {name} -->"


def splice(text, name, body):
    """`text` with section `name` replaced by `body` (appended when absent)."""
    begin, end = markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + ("\n\n" if text.strip() else "") + block + "\n"


def write_section(md_path, json_path, name, title, lines, payload, command, load_before, load_after, info=None):
    """Writes section `name` of md_path (a `## title`, the preamble, then `lines`) and of json_path
    (`payload` plus the command, machine and loads)."""
    info = info or machine()
    body = "\n".join([f"## {title}", ""] + preamble(info, command, load_before, load_after) + list(lines))
    text = ""
    if os.path.exists(md_path):
        with open(md_path) as f:
            text = f.read()
    if not text.strip():
        text = "# Benchmark results\n"
    with open(md_path + ".tmp", "w") as f:
        f.write(splice(text, name, body))
    os.replace(md_path + ".tmp", md_path)
    data = {}
    if os.path.exists(json_path):
        with open(json_path) as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError:
                data = {}
    if not isinstance(data.get("sections"), dict):
        data = {"sections": {}}
    data["sections"][name] = dict(payload, command=command, machine=info, load_before=load_before,
                                  load_after=load_after)
    with open(json_path + ".tmp", "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(json_path + ".tmp", json_path)


def section_names(md_path):
    with open(md_path) as f:
        return re.findall(r"<!-- BEGIN GENERATED (\S+) -->", f.read())
