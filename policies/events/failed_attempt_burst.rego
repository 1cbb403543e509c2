# METADATA
# title: Bursts of refused calls from one principal or address (probing)
# description: |
#   Reports each principal and each source address with at least
#   `failed_attempt_burst.count` calls refused for lack of permission (errorCode
#   UnauthorizedOperation or AccessDenied..., on any service) within
#   `failed_attempt_burst.window_seconds` seconds. Someone who enumerates what
#   a key can do leaves exactly this trace, usually before the call that
#   succeeds. The finding names the first such burst: its calls, times and
#   event ids; an assumed-role session counts as its role.
# custom:
#   id: EVT-008
#   severity: high
#   remediation: |
#     Treat the principal's credentials as compromised until shown otherwise:
#     deactivate its access keys (aws iam update-access-key --status Inactive)
#     or revoke the role's sessions, and review every call it made, refused or
#     not, in the same period. Block the source address at the edge if it is
#     not yours. If a misconfigured job caused the refusals, fix its policy;
#     raise `failed_attempt_burst.count` only if such noise is normal.
#   parameters: [failed_attempt_burst]
package stopguard.events.failed_attempt_burst

import rego.v1

import data.stopguard.lib.events
import data.stopguard.lib.util

refused := [e | some e in input.cloudtrail_events; events.denied(e)]

# (kind, value) pairs: every principal and every source address with refusals.
actors contains [kind, e[kind]] if {
	some e in refused
	some kind in ["principal", "source_ip"]
	util.has_text(e[kind])
}

deny contains finding if {
	some actor in actors
	calls := sort([[e.epoch, e.event_id, e.name, e.time, e.file, e.record] |
		some e in refused
		e[actor[0]] == actor[1]
	])
	burst := first_burst(calls)
	finding := {
		"msg": sprintf("%d refused calls within %d seconds from %s %s, from %s to %s: %s", [
			count(burst), window, kind_words[actor[0]], actor[1],
			burst[0][3], burst[count(burst) - 1][3],
			util.join_limited(sort({c[2] | some c in burst}), 5),
		]),
		"resource": actor[1],
		"file": burst[0][4],
		"details": {
			"kind": actor[0],
			"refused_calls": count(calls),
			"burst_calls": count(burst),
			"first_event_time": burst[0][3],
			"last_event_time": burst[count(burst) - 1][3],
			"event_ids": [c[1] | some c in burst],
			"event_names": sort({c[2] | some c in burst}),
			"first_record": burst[0][5],
		},
	}
}

# A data file that sets only one of the two keys keeps the other's default.
threshold := object.get(data.params.failed_attempt_burst, "count", 5)

window := object.get(data.params.failed_attempt_burst, "window_seconds", 300)

kind_words := {"principal": "principal", "source_ip": "address"}

# The calls of the first window of `window_seconds` holding at least `count`
# refusals, extended to every call in that window. `calls` is sorted by time.
first_burst(calls) := [c |
	some c in calls
	c[0] >= start
	c[0] <= start + window
] if {
	n := threshold
	count(calls) >= n
	starts := [calls[i][0] |
		some i in numbers.range(0, count(calls) - n)
		calls[i + n - 1][0] - calls[i][0] <= window
	]
	count(starts) > 0
	start := starts[0]
}
