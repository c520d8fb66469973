#!/usr/bin/env python3
"""The benchmark's table, from the rows bench/run.sh collected.

  report.py line ROWS.jsonl
      Prints the last row, one line (progress while the run goes on).
  report.py write --rows ROWS.jsonl --memory MEMORY.jsonl --kdf KDF.json --meta META.json
            [--readme README.md] NAME...
      Prints the table and writes NAME.md and NAME.json for each NAME. With --readme, replaces
      everything after the README's `<!-- latest-table -->` line with the Markdown.

Ratios: "vs Better Auth" is Portcullis's req/s over Better Auth's in the same workload and run,
with the p99 ratio beside it. "vs floor" is req/s as a share of the floor's: the floor server's
/ok for /ok, its in-memory session lookup for get-session, and the raw hash rate (bench/kdf,
the best of 1..cores threads) for sign-in and sign-up. Rows measured in interleaved rounds
(/ok and the cached get-session rows, against the floor) show the median round, and their floor
ratio is the median of the per-round ratios (see collapse_rounds).
"""

import argparse
import json
import sys

MB = 1024.0


def load_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt_rps(v):
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def fmt_ms(v):
    if v is None:
        return "—"
    if v >= 1000:
        return f"{v / 1000:.2f} s"
    if v >= 10:
        return f"{v:.0f} ms"
    if v >= 1:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def fmt_mb(kb):
    return f"{kb / MB:.1f} MB" if kb else "—"


def fmt_pct(x):
    return f"{100 * x:.0f} %"


def fmt_x(x):
    return f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


def p99_ratio(mine, theirs):
    """'p99 1/12' when mine is 12 times lower, 'p99 3.0×' when it is 3 times higher."""
    if not mine or not theirs:
        return ""
    r = theirs / mine
    if r >= 1:
        return f"p99 1/{r:.0f}" if r >= 10 else f"p99 1/{r:.1f}"
    return f"p99 {1 / r:.1f}×"


def is_ba(row):
    return row["server"].startswith("Better Auth")


def is_floor(row):
    return row["server"] == "floor"


def is_portcullis(row):
    return row["server"].startswith("Portcullis")


def find(rows, workload, pred):
    return next((r for r in rows if r["workload"] == workload and pred(r) and "rps" in r), None)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def floor_round(rows, r, floor_workload):
    """The floor's row from the same round as r (measured beside it), if r has a round."""
    return next((f for f in rows if f["workload"] == floor_workload and is_floor(f)
                 and f.get("round") == r.get("round") and "rps" in f), None)


def scale_pairs(small, large):
    """The small and large scale rows measured in the same round (or the two rows, unpaired),
    each pair with both rates and tails known."""
    if not small or not large:
        return []
    by_small, by_large = small.get("by_round"), large.get("by_round")
    if by_small and by_large:
        pairs = [(by_small[r], by_large[r]) for r in by_small if r in by_large]
    else:
        pairs = [(small, large)]
    return [(s, lg) for s, lg in pairs if s["rps"] and s["p99_ms"] and lg["p99_ms"]]


def collapse_rounds(rows):
    """Rows measured in interleaved rounds (key `round`) become one row per workload and server:
    the round with the median req/s, with every round's req/s kept in `rounds`. Its floor ratio
    is the median of the per-round ratios, each against the floor's run in the same round, so
    that a slow minute on the machine moves both sides of a ratio together."""
    out, groups = [], {}
    for r in rows:
        if "round" in r and "rps" in r:
            key = (r["workload"], r["server"])
            if key not in groups:
                groups[key] = []
                out.append(key)
            groups[key].append(r)
        else:
            out.append(r)
    floors = {"ok": "ok", "session": "get-session-floor"}
    result = []
    for item in out:
        if not isinstance(item, tuple):
            result.append(item)
            continue
        rounds = groups[item]
        mid = sorted(rounds, key=lambda x: x["rps"])[(len(rounds) - 1) // 2]
        row = dict(mid)
        row["rounds"] = [x["rps"] for x in rounds]
        row["by_round"] = {x["round"]: {"rps": x["rps"], "p99_ms": x["p99_ms"]} for x in rounds}
        row["errors"] = sum(x["errors"] for x in rounds)
        row["first_unexpected"] = next((x["first_unexpected"] for x in rounds if x.get("first_unexpected")), "")
        row["busy"] = "1" if any(x.get("busy") == "1" for x in rounds) else "0"
        row["rss_peak_kb"] = max(x.get("rss_peak_kb") or 0 for x in rounds)
        fw = floors.get(row.get("floor"))
        if fw:
            ratios = [x["rps"] / f["rps"] for x in rounds
                      if (f := floor_round(rows, x, fw)) and f["rps"]]
            if ratios:
                row["paired_vs_floor"] = median(ratios)
        if len(rounds) > 1:
            extra = f"median of {len(rounds)} interleaved rounds: " + " / ".join(fmt_rps(x) for x in row["rounds"])
            row["note"] = f"{row['note']}; {extra}" if row.get("note") else extra
        result.append(row)
    return result


def annotate(rows, kdf):
    """Adds vs_ba, vs_floor (numbers and text) to each row."""
    for r in rows:
        if "rps" not in r:
            continue
        r["vs_ba"] = r["vs_ba_p99"] = r["vs_floor"] = None
        r["vs_ba_text"] = r["vs_floor_text"] = ""
        if is_portcullis(r):
            ba = find(rows, r["workload"], is_ba)
            if ba and ba["rps"]:
                r["vs_ba"] = r["rps"] / ba["rps"]
                r["vs_ba_p99"] = ba["p99_ms"] / r["p99_ms"] if r["p99_ms"] and ba["p99_ms"] else None
                r["vs_ba_text"] = f"{fmt_x(r['vs_ba'])} · {p99_ratio(r['p99_ms'], ba['p99_ms'])}"
        base = None
        if r.get("floor") == "ok":
            base = find(rows, "ok", is_floor)
        elif r.get("floor") == "session":
            base = find(rows, "get-session-floor", is_floor)
        if r.get("paired_vs_floor") is not None:
            r["vs_floor"] = r["paired_vs_floor"]
            r["vs_floor_text"] = fmt_pct(r["vs_floor"])
        elif base and base["rps"]:
            r["vs_floor"] = r["rps"] / base["rps"]
            r["vs_floor_text"] = fmt_pct(r["vs_floor"])
        # the raw rate measured just before and just after the row, on the same cores, or else
        # the one measured at the start of the run
        beside = [float(v) for v in (r.get("kdf_beside") or "").split(",") if v]
        rate = sum(beside) / len(beside) if beside else kdf.get(r.get("kdf"), {}).get("best_per_s")
        if r.get("kdf") and rate:
            r["vs_floor"] = r["rps"] / rate
            r["vs_floor_text"] = f"{fmt_pct(r['vs_floor'])} of {r['kdf']} KDF"
        if r.get("kdf") and beside:
            r["kdf_rate"] = rate
            extra = f"raw {r['kdf']} beside it: " + " / ".join(f"{v:.1f}" for v in beside) + "/s"
            r["note"] = f"{r['note']}; {extra}" if r.get("note") else extra
        if r["workload"] == "mixed":
            solo = next((s for s in rows if s["workload"] == "mixed-solo" and s["server"] == r["server"]), None)
            if solo and solo["rps"]:
                r["vs_solo"] = r["rps"] / solo["rps"]
                r["vs_solo_p99"] = r["p99_ms"] / solo["p99_ms"] if r["p99_ms"] and solo["p99_ms"] else None
                extra = f"{fmt_pct(r['vs_solo'])} of its req/s alone"
                if r["vs_solo_p99"]:
                    extra += f", p99 {r['vs_solo_p99']:.1f}× alone"
                r["note"] = f"{r['note']}; {extra}" if r.get("note") else extra
    return rows


HEADER = ["workload", "server", "req/s", "p50", "p99", "errors", "RSS idle", "RSS peak",
          "vs Better Auth", "vs floor", "notes"]


def table_rows(rows, kdf, meta):
    out = []
    kdf_note = "BUSY: a compiler ran during this measurement; " if meta.get("kdf_busy") else ""
    for name in ("argon2id", "scrypt"):
        k = kdf.get(name)
        if not k:
            continue
        t = k["by_threads"][str(k["best_threads"])]
        others = ", ".join(f"{v['per_s']:.1f}/s on {n}" for n, v in k["by_threads"].items()
                           if n != str(k["best_threads"]))
        out.append([f"raw KDF, in-process ({k['params']})", f"{name} · {k['best_threads']} thread(s)",
                    fmt_rps(k["best_per_s"]), fmt_ms(t["ms_each"]), "—", "0", "—", "—", "—",
                    "the floor of sign-in", kdf_note + (f"hashes/s; {others}" if others else "hashes/s")])
    for r in rows:
        if "skipped" in r:
            out.append([r["title"], r["server"], "—", "—", "—", "—", "—", "—", "—", "—",
                        "skipped: " + r["skipped"]])
            continue
        errors = str(r["errors"])
        if r["errors"]:
            errors = f"**{r['errors']}**"
        note = r.get("note") or ""
        if r.get("busy") == "1":
            note = "BUSY: a compiler ran during this row" + ("; " + note if note else "")
        if r["errors"] and r.get("first_unexpected"):
            note = (note + "; " if note else "") + "first error: " + r["first_unexpected"][:80]
        out.append([r["title"], f"{r['server']} · {r['conns']}c", fmt_rps(r["rps"]), fmt_ms(r["p50_ms"]),
                    fmt_ms(r["p99_ms"]), errors, fmt_mb(r.get("rss_idle_kb")), fmt_mb(r.get("rss_peak_kb")),
                    r.get("vs_ba_text") or "", r.get("vs_floor_text") or "", note.replace("|", "/")])
    return out


def markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def goals(rows, memory):
    """Issue 7's goals, judged from this run's numbers."""
    g = []

    def add(goal, measured, met):
        g.append({"goal": goal, "measured": measured,
                  "status": "not measured" if met is None else ("met" if met else "missed")})

    p_ok = find(rows, "ok", lambda r: r["server"] == "Portcullis (PostgreSQL)")
    add("/ok ≥ 80 % of the floor's /ok",
        f"{fmt_pct(p_ok['vs_floor'])} ({fmt_rps(p_ok['rps'])} vs floor)" if p_ok and p_ok["vs_floor"] else "—",
        p_ok["vs_floor"] >= 0.8 if p_ok and p_ok["vs_floor"] else None)

    gs = find(rows, "get-session-db", lambda r: r["server"] == "Portcullis (PostgreSQL)")
    if gs and gs.get("vs_ba") and gs.get("vs_ba_p99"):
        add("get-session on PostgreSQL, every check reaching the database: ≥ 40× Better Auth's req/s, "
            "p99 ≤ 1/40 of its p99",
            f"{fmt_x(gs['vs_ba'])} req/s, {p99_ratio(gs['p99_ms'], gs['p99_ms'] * gs['vs_ba_p99'])}",
            gs["vs_ba"] >= 40 and gs["vs_ba_p99"] >= 40)
    else:
        add("get-session on PostgreSQL: ≥ 40× Better Auth", "—", None)

    for wl, label in (("get-session-cache-memory", "session cache in memory"),
                      ("get-session-cache-redis", "session cache in Redis"),
                      ("get-session-cookie-cache", "signed cookie cache")):
        r = find(rows, wl, is_portcullis)
        add(f"get-session with the {label} ≥ 50 % of the floor's lookup",
            fmt_pct(r["vs_floor"]) if r and r["vs_floor"] else "—",
            r["vs_floor"] >= 0.5 if r and r["vs_floor"] else None)

    for server, kdf in (("Portcullis (PostgreSQL, argon2id)", "argon2id"),
                        ("Portcullis (PostgreSQL, scrypt)", "scrypt")):
        r = find(rows, "sign-in", lambda x, s=server: x["server"] == s)
        add(f"sign-in ≥ 90 % of the raw {kdf} rate",
            (f"{fmt_pct(r['vs_floor'])} ({fmt_rps(r['rps'])}/s"
             + (f" against {r['kdf_rate']:.1f}/s raw beside it)" if r.get("kdf_rate") else ")"))
            if r and r["vs_floor"] else "—",
            r["vs_floor"] >= 0.9 if r and r["vs_floor"] else None)

    m = find(rows, "mixed", lambda r: r["server"] == "Portcullis (PostgreSQL)")
    if m and m.get("vs_solo") is not None and m.get("vs_solo_p99"):
        add("under the sign-in flood, get-session keeps ≥ 40 % of its solo req/s, p99 ≤ 3× solo",
            f"{fmt_pct(m['vs_solo'])} of solo, p99 {m['vs_solo_p99']:.1f}× solo",
            m["vs_solo"] >= 0.4 and m["vs_solo_p99"] <= 3)
    else:
        add("under the sign-in flood, get-session keeps ≥ 40 % of its solo req/s", "—", None)

    ps = [x for x in memory if x["server"].startswith("Portcullis")]
    if ps:
        idle = max(x["idle_kb"] for x in ps)
        peak = max(x["peak_kb"] for x in ps)
        add("idle RSS ≤ 20 MB (every Portcullis process)", f"at most {fmt_mb(idle)}", idle <= 20 * MB)
        add("peak RSS ≤ 64 MB through every workload (every Portcullis process)", f"at most {fmt_mb(peak)}",
            peak <= 64 * MB)
    for what in ("get-session", "sign-in"):
        small = find(rows, f"scale-{what}-small", is_portcullis)
        large = find(rows, f"scale-{what}-large", is_portcullis)
        pairs = scale_pairs(small, large)
        if pairs:
            share = median([lg["rps"] / sm["rps"] for sm, lg in pairs])
            p99 = median([lg["p99_ms"] / sm["p99_ms"] for sm, lg in pairs])
            paired = f" (median of {len(pairs)} interleaved rounds)" if len(pairs) > 1 else ""
            add(f"{what} with the large database within 1.5× of the small one "
                f"({large['title'].split(', ')[-1]} vs {small['title'].split(', ')[-1]})",
                f"{fmt_pct(share)} of the small one's req/s, p99 {p99:.2f}× its p99{paired}",
                share >= 1 / 1.5 and p99 <= 1.5)
        else:
            add(f"{what} with 1M users and sessions within 1.5× of 1k", "scale rows not run", None)
    with_errors = [r for r in rows if r.get("errors")]
    add("zero errors in every row", f"{len(with_errors)} row(s) with errors", not with_errors)
    return g


def render(rows, memory, kdf, meta):
    rows = collapse_rounds(rows)
    annotate(rows, kdf)
    body = table_rows(rows, kdf, meta)
    g = goals(rows, memory)
    md = []
    md.append(f"## Benchmark, {meta['date']} ({meta['mode']} run)")
    md.append("")
    md.append(f"Machine: {meta['cpu']}, {meta['cores']} cores shared by wrk, the servers and PostgreSQL, "
              f"{meta['mem_gb']} GB, Linux {meta['kernel']}. PostgreSQL {meta['postgres']}, Node {meta['node']}, "
              f"Better Auth {meta['better_auth']}, wrk {meta['wrk']}. Portcullis at {meta['commit']}. "
              f"{meta['duration_s']} s per workload after {meta['warmup_s']} s of warm-up; {meta['users']} "
              f"users seeded per server; every response checked (status and body).")
    md.append("")
    md.append(markdown_table(HEADER, body))
    md.append("")
    busy = sum(1 for r in rows if r.get("busy") == "1") + (1 if meta.get("kdf_busy") else 0)
    if busy:
        md.append(f"**{busy} row(s) were measured while a compiler ran on this machine (marked BUSY): "
                  "their numbers are low and their ratios unreliable.**")
        md.append("")
    md.append("RSS idle: the server just after it started. RSS peak: its high-water mark (VmHWM) after "
              "the row, so it covers every workload the process served until then. `Nc`: connections.")
    md.append("")
    md.append("### Memory per server process")
    md.append("")
    md.append(markdown_table(["process", "idle", "at the end", "peak (VmHWM)"],
                             [[x["server"], fmt_mb(x["idle_kb"]), fmt_mb(x["final_kb"]), fmt_mb(x["peak_kb"])]
                              for x in memory]))
    md.append("")
    md.append("### Issue 7's goals, from this run")
    md.append("")
    md.append(markdown_table(["goal", "measured", "status"], [[x["goal"], x["measured"], x["status"]] for x in g]))
    md.append("")
    doc = {"meta": meta, "kdf": kdf, "rows": rows, "memory": memory, "goals": g}
    return "\n".join(md), doc, body


def plain(header, body):
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in body])


def cmd_line(a):
    rows = load_rows(a.rows)
    r = rows[-1]
    err = f" ERRORS {r['errors']} ({r.get('first_unexpected') or 'socket errors'})" if r["errors"] else ""
    print(f"  {r['title']} · {r['server']}: {fmt_rps(r['rps'])} req/s, p50 {fmt_ms(r['p50_ms'])}, "
          f"p99 {fmt_ms(r['p99_ms'])}, {r['requests']} requests{err}", file=sys.stderr)


def cmd_write(a):
    rows = load_rows(a.rows)
    memory = load_rows(a.memory)
    kdf = json.load(open(a.kdf))
    meta = json.load(open(a.meta))
    md, doc, body = render(rows, memory, kdf, meta)
    print(plain(HEADER, body))
    print()
    for x in doc["goals"]:
        print(f"{x['status']:>12}  {x['goal']}: {x['measured']}")
    for name in a.names:
        with open(name + ".md", "w") as f:
            f.write(md + "\n")
        with open(name + ".json", "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    if a.readme:
        marker = "<!-- latest-table -->"
        text = open(a.readme).read()
        if marker not in text:
            sys.exit(f"report.py: no {marker} line in {a.readme}")
        head = text[: text.index(marker) + len(marker)]
        # one level down: the README's section is already "## Latest full run"
        body = md.replace("\n### ", "\n#### ").replace("## Benchmark, ", "### Benchmark, ", 1)
        with open(a.readme, "w") as f:
            f.write(head + "\n\n" + body + "\n")


def cmd_errors(a):
    """Rows with errors: Portcullis's and the floor's on stdout (they fail the run), Better
    Auth's on stderr (a warning: a reference starved by its own sign-in flood is a result; a
    broken reference set-up fails earlier, at the probe before each workload)."""
    for r in load_rows(a.rows):
        if r.get("errors"):
            line = (f"  {r['workload']} / {r['server']}: {r['errors']} errors "
                    f"({r.get('first_unexpected') or 'socket errors or timeouts'})")
            print(line, file=sys.stderr if is_ba(r) else sys.stdout)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("line")
    s.add_argument("rows")
    s = sub.add_parser("errors")
    s.add_argument("rows")
    s = sub.add_parser("write")
    s.add_argument("--rows", required=True)
    s.add_argument("--memory", required=True)
    s.add_argument("--kdf", required=True)
    s.add_argument("--meta", required=True)
    s.add_argument("--readme")
    s.add_argument("names", nargs="+")
    a = p.parse_args()
    {"line": cmd_line, "write": cmd_write, "errors": cmd_errors}[a.cmd](a)


if __name__ == "__main__":
    main()
