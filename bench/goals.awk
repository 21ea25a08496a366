# Adds each benchmark line's goal and whether this run met it:
#   ... | awk -f bench/goals.awk
# A goal names the line (its label), which of the numbers before the
# line's parenthesis it judges, counted from the last (-1: the ratio, -2:
# the peer's figure or a limit, -3: vouch's figure), and the bound.
# The goals are issue 28's (and, for lines it does not name, the targets
# printed in each section's heading).
BEGIN {
	n = 0
	g("spf ip4 match", "", -1, "<=", 0.30)
	g("spf include ip4 match", "", -1, "<=", 0.30)
	g("spf fail with exp=", "", -1, "<=", 0.30)
	g("sign rsa-sha256 2048", "OpenSSL floor", -1, "<=", 1.15)
	g("sign ed25519-sha256", "OpenSSL floor", -1, "<=", 1.5)
	g("verify rsa-sha256 2048 (key cached)", "OpenSSL floor", -1, "<=", 1.10)
	g("auth (DKIM+SPF+DMARC) vs DKIM+SPF us", "", -1, "<=", 1.05)
	g("batch ", "", -3, "<", 5)
	g("batch ", "", -1, ">=", 30)
	g("sign ", "message from a pipe", -2, "<=", 32)
	g("sign ", "message from a file", -2, "<=", 32)
	g("h= work, CPU s (target < 0.5)", "", -1, "<", 0.5)
	g("ARC 3 hops verify, us (floor)", "", -1, "<=", 1.3)
	g("milter alone", "", -1, ">=", 3)
	g("through Postfix", "", -1, ">=", 1)
	g("milter report-store on/off", "", -1, ">=", 0.95)
	g("milter report-store CPU on/off", "", -1, "<=", 1.05)
	g("report-store row vs message", "", -1, "<=", 0.05)
	g("report read vs Mail::DMARC", "", -1, ">=", 10)
	g("report read vs dmarc-cat -N", "", -1, ">", 1)
	g("archive mbox, jobs 2 vs 1", "", -1, ">=", 1.85)
	g("ARC seal rsa-2048, us (floor)", "", -1, "<=", 1.2)
	g("one message, 20 ms DNS", "", -1, "<=", 0.5)
	g("Postfix verify+seal / verify", "", -1, ">=", 0.8)
	g("milter metrics+lists / plain", "msgs/s", -1, ">=", 0.97)
	g("milter metrics+lists / plain CPU", "", -1, "<=", 1.03)
}
function g(label, need, idx, op, bound) {
	n++
	L[n] = label; N[n] = need; I[n] = idx; O[n] = op; B[n] = bound
}
function met(v, op, b) {
	if (op == "<=") return v <= b
	if (op == "<") return v < b
	if (op == ">=") return v >= b
	return v > b
}
{
	line = $0; out = ""; misses = 0; goals = 0
	for (k = 1; k <= n; k++) {
		if (index(line, L[k]) != 1 || (N[k] != "" && index(line, N[k]) == 0))
			continue
		rest = substr(line, length(L[k]) + 1)
		p = index(rest, "("); if (p > 0) rest = substr(rest, 1, p - 1)
		m = split(rest, t, /[ \t]+/); c = 0; v = ""
		for (j = m; j >= 1; j--)
			if (t[j] ~ /^[0-9]+(\.[0-9]+)?x?$/ && --c == I[k]) {
				v = t[j]; sub(/x$/, "", v)
			}
		if (v == "") continue
		goals++
		ok = met(v + 0, O[k], B[k])
		if (!ok) misses++
		out = out sprintf("  [goal %s %s: %s]", O[k], B[k], ok ? "ok" : "MISS")
	}
	print line out
	if (goals) { total += goals; missed += misses }
}
END {
	if (total) printf "goals: %d checked, %d met, %d missed\n", total, total - missed, missed
}
