# METADATA
# title: Instances must be stopped only with MFA
# description: |
#   Reports each successful StopInstances call in the CloudTrail logs whose
#   session was not authenticated with MFA
#   (userIdentity.sessionContext.attributes.mfaAuthenticated is not "true").
#   Calls signed with a long-term access key carry no session and so never
#   have MFA. For an assumed role, the flag says whether the role was assumed
#   with MFA. Principals matching `mfa_exempt_principals` (automation you have
#   decided to trust, the same parameter IAM-003 uses) and calls AWS services
#   make on their own behalf (userIdentity.type AWSService) are skipped.
# custom:
#   id: EVT-003
#   severity: medium
#   remediation: |
#     Require MFA for stopping instances: add
#       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
#     to the statements that grant ec2:StopInstances (IAM-003 lists the users
#     that can do without), or require MFA in the trust policy of the roles
#     people assume. If the caller is automation, add its ARN to
#     `mfa_exempt_principals`.
#   parameters: [mfa_exempt_principals]
package stopguard.events.stop_without_mfa

import rego.v1

import data.stopguard.lib.events
import data.stopguard.lib.iam

deny contains finding if {
	some e in events.stops
	not e.mfa
	not events.by_service(e)
	not iam.arn_matches_any(e.principal, data.params.mfa_exempt_principals)
	finding := events.finding(e, sprintf("%s without MFA", [events.summary(e)]), {"mfa": false})
}
