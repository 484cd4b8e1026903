# SPDX-License-Identifier: GPL-2.0
# KTAP results from shell scripts, host steps and guests alike (a guest
# finds this file as /dmio/ktap.sh):
#   result STATUS NAME   "ok N NAME" when STATUS is 0, else "not ok N NAME"
#   result_skip NAME WHY "ok N NAME # SKIP WHY": not run, and why
# $n counts the results, $failed the failures.
n=0
failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}
result_skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
