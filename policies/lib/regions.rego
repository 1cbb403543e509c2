# Regions: where a regional check must look, and whether an item belongs there.
package stopguard.lib.regions

import rego.v1

# The regions of the instances that are not terminated; the regional checks
# (MON-001, CFG-001, CFG-002) judge each. Instances of unknown region count as
# one unknown region (null).
instance_regions(inp) := {object.get(i, "region", null) |
	some i in object.get(object.get(inp, "ec2", {}), "instances", [])
	object.get(i, "state", null) != "terminated"
}

# The regions to judge: those of the instances, or, when no instance is known,
# one account-wide judgement (null: any region).
scopes(inp) := regions if {
	regions := instance_regions(inp)
	count(regions) > 0
} else := {null}

# scopes(input), reading only input.ec2.instances, so that the engine sees which
# part of the input the regional checks read.
input_scopes := scopes({"ec2": {"instances": input_instances}})

default input_instances := []

input_instances := input.ec2.instances

# Whether an item (with an optional `region`) may serve `region`: an unknown
# region on either side is given the benefit of the doubt.
serves(item, region) if region == null

serves(item, _) if object.get(item, "region", null) == null

serves(item, region) if object.get(item, "region", null) == region

# "in eu-west-1", or "in the account" when the region is unknown.
where(region) := sprintf("in %s", [region]) if {
	region != null
} else := "in the account"
