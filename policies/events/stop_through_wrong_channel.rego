# METADATA
# title: Instances must be stopped through the agreed channel
# description: |
#   With `stop_channel` set to "api", reports each successful StopInstances call
#   made from an AWS Management Console session; with "console", each call made
#   through the API (CLI, SDKs, scripts). A call counts as a console call when
#   its record has sessionCredentialFromConsole "true". Teams that stop
#   production only through automation (change-managed runbooks, schedulers)
#   want to know about every click; teams that forbid scripts against
#   production want the opposite. The default, "any", turns the check off.
# custom:
#   id: EVT-006
#   severity: low
#   remediation: |
#     Ask the principal why the agreed channel was not used. To enforce it,
#     deny ec2:StopInstances to the console sessions' roles (or to the
#     automation's), or move the permission to a role only the agreed channel
#     can assume.
#   parameters: [stop_channel]
package stopguard.events.stop_through_wrong_channel

import rego.v1

import data.stopguard.lib.events

deny contains finding if {
	some e in events.stops
	not events.by_service(e)
	channel := channel_of(e)
	wrong(channel)
	finding := events.finding(
		e,
		sprintf("%s through the %s, while stop_channel is %s", [events.summary(e), words[channel], data.params.stop_channel]),
		{"channel": channel},
	)
}

channel_of(e) := "console" if e.console

else := "api"

wrong(channel) if {
	data.params.stop_channel in {"api", "console"}
	channel != data.params.stop_channel
}

words := {"console": "console", "api": "API"}
