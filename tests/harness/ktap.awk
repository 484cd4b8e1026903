# SPDX-License-Identifier: GPL-2.0
# Parse the KTAP documents in a guest's console log. Prints one line:
#   passed failed skipped planned
# Lines may carry kernel noise around them; a result line is recognised by
# its "ok N name" / "not ok N name" shape only after a "KTAP version 1".
/KTAP version 1/ { in_ktap = 1; next }
in_ktap && match($0, /^[ \t]*1\.\.[0-9]+/) {
	split(substr($0, RSTART, RLENGTH), p, /\.\./)
	planned += p[2] + 0
	next
}
in_ktap && /^[ \t]*not ok [0-9]+ / { failed++; next }
in_ktap && /^[ \t]*ok [0-9]+ / {
	if ($0 ~ /# *SKIP/)
		skipped++
	else
		passed++
	next
}
END { printf "%d %d %d %d\n", passed, failed, skipped, planned }
