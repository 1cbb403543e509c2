# METADATA
# title: A multi-region trail must be logging
# description: |
#   Reports an account where no CloudTrail trail is both multi-region and
#   logging. Without one, calls made in regions no trail covers (an attacker's
#   favourite) and every call made while logging is stopped leave no record:
#   nobody can tell who stopped an instance. The check runs only when trail
#   data was supplied. When a multi-region trail exists but its status
#   (get-trail-status) was not supplied, the finding says logging could not
#   be confirmed rather than that it is off.
# custom:
#   id: CT-001
#   severity: high
#   remediation: |
#     Make an existing trail multi-region and start it:
#       aws cloudtrail update-trail --name <trail> --is-multi-region-trail --include-global-service-events --enable-log-file-validation
#       aws cloudtrail start-logging --name <trail>
#     or create one:
#       aws cloudtrail create-trail --name org-audit --s3-bucket-name <bucket> --is-multi-region-trail --enable-log-file-validation
#       aws cloudtrail start-logging --name org-audit
#     If logging could not be confirmed, add the output of
#     `aws cloudtrail get-trail-status --name <trail>` to the inputs.
package stopguard.cloudtrail.no_multi_region_logging_trail

import rego.v1

import data.stopguard.lib.cloudtrail
import data.stopguard.lib.util

deny contains finding if {
	input.supplied.trails == true
	not a_multi_region_trail_logs
	count(status_unknown) == 0
	finding := {
		"msg": sprintf("no multi-region CloudTrail trail is logging in %s: %s", [account_text, situation]),
		"resource": util.account_resource(util.input_account),
		"details": {"multi_region_trails": sort(multi_region_names), "stopped": sort(stopped)},
	}
}

deny contains finding if {
	input.supplied.trails == true
	not a_multi_region_trail_logs
	count(status_unknown) > 0
	finding := {
		"msg": sprintf(
			"logging could not be confirmed for the multi-region trail(s) %s of %s: trail status was not supplied (add the output of aws cloudtrail get-trail-status)",
			[concat(", ", sort(status_unknown)), account_text],
		),
		"resource": util.account_resource(util.input_account),
		"details": {"multi_region_trails": sort(multi_region_names), "status_unknown": sort(status_unknown), "stopped": sort(stopped)},
	}
}

multi_region_trails contains trail if {
	some trail in input.cloudtrail.trails
	trail.multi_region == true
}

multi_region_names := {trail.name | some trail in multi_region_trails}

a_multi_region_trail_logs if {
	some trail in multi_region_trails
	trail.logging == true
}

status_unknown := {trail.name |
	some trail in multi_region_trails
	object.get(trail, "logging", null) == null
}

stopped := {trail.name |
	some trail in multi_region_trails
	trail.logging == false
}

account_text := util.account_text(util.input_account)

situation := sprintf("the multi-region trail(s) %s are not logging (start them with aws cloudtrail start-logging)", [concat(", ", sort(stopped))]) if {
	count(stopped) > 0
} else := "there is no trail at all" if {
	count(input.cloudtrail.trails) == 0
} else := sprintf("the trail(s) %s record only their home region", [concat(", ", sort({t.name | some t in input.cloudtrail.trails}))])
