//! The elements of an IAM export's lists read whole, without serde_json, when
//! everything in them is written plainly.
//!
//! After the policy documents ([`super::document`]), what serde_json spent most on
//! in a check of the benchmark export was the rest of each element: names, ARNs,
//! ids, attachments and tags, a fifth of the export's bytes and a tenth of the
//! check's instructions, read through the derived `Deserialize` visitors of a
//! copy of the element with its documents cut out. This reads the element in
//! place instead: the keys each type knows (its field names and their AWS
//! aliases, as `crate::model` declares them), each value of the type the field
//! has, the documents with [`super::document`], and everything else checked for
//! its syntax and skipped, as serde_json skips an unknown key's value.
//!
//! It declines (None) whatever it does not read exactly as the derived
//! `Deserialize` does, and the element then takes the path it took before (the
//! copy with its documents cut out, or serde_json whole, which reports the
//! error): a key with an escape (it may spell a known key), a key written twice
//! (serde_json refuses a repeated field, under either of its names), a required
//! field missing, a string value with an escape, a value of another type than
//! the field's (including `null` where the field is not an `Option`), a number
//! other than a plain non-negative integer that fits in a u64, a document
//! [`super::document`] declines or written as a string, nesting deeper than
//! [`super::MAX_DEPTH`]. The tests compare both paths on the same elements,
//! and mangled ones.
use super::{document, Key, Reader};
use crate::iam::policy::{PolicyDocument, StatementFilter};
use crate::model::{
    Attachment, Boundary, Group, InlinePolicy, ManagedPolicy, PolicyVersion, Role, Tag, User,
};

/// An element type of the four lists, read whole by this module.
pub(crate) trait Element: Sized {
    /// The element at the start of `text`, which holds it alone; None when this
    /// module declines it.
    fn read(text: &str, filter: StatementFilter) -> Option<Self> {
        let mut r = Reader::at(text, 0);
        let element = Self::read_at(&mut r, filter)?;
        (r.i == text.len()).then_some(element)
    }

    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self>;
}

/// Sets a field read once; None (declined) when it was already read, under
/// either of its names: the derived `Deserialize` refuses a duplicate field.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

impl<'a> Reader<'a> {
    /// An object at the cursor whose keys are all written plainly: `member` is
    /// called with each, the cursor at its value, which it must read.
    fn fields(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        if self.peek()? != b'{' {
            return None;
        }
        self.object(|r, key| match key {
            Key::Plain(key) => member(r, key),
            Key::Escaped => None,
        })
    }

    /// A string field's value, written plainly.
    fn text_value(&mut self) -> Option<String> {
        self.plain_string().map(str::to_string)
    }

    /// `true` or `false`.
    fn bool_value(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => None,
        }
    }

    /// A u64 field's value as serde_json reads one: digits without a leading
    /// zero, a sign, a fraction or an exponent (serde_json reads those as other
    /// types, and refuses them here), and no larger than u64's maximum (larger
    /// ones it reads as floats).
    fn u64_value(&mut self) -> Option<u64> {
        let start = self.i;
        self.number()?;
        let digits = self.b.get(start..self.i)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// `null`: an `Option` field's None.
    fn null(&mut self) -> Option<()> {
        self.literal(b"null")
    }

    /// A list field's value: a JSON array of elements `element` reads, with no
    /// room beyond them, as `crate::model`'s `exact` leaves its lists.
    fn list<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        if self.peek()? != b'[' {
            return None;
        }
        let mut out = Vec::new();
        self.array(|r| {
            out.push(element(r)?);
            Some(())
        })?;
        out.shrink_to_fit();
        Some(out)
    }

    /// A policy document written as an object, read by [`document`].
    fn document_value(&mut self, filter: StatementFilter) -> Option<PolicyDocument> {
        if self.peek()? != b'{' {
            return None;
        }
        let (doc, end) = document(self.text, self.i, filter)?;
        self.i = end;
        Some(doc)
    }

    /// A struct nested in an element, read by `T`.
    fn nested<T: Element>(&mut self, filter: StatementFilter) -> Option<T> {
        T::read_at(self, filter)
    }
}

impl Element for InlinePolicy {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        let (mut name, mut doc) = (None, None);
        r.fields(|r, key| match key {
            b"name" | b"PolicyName" => once(&mut name, r.text_value()),
            b"document" | b"PolicyDocument" => once(&mut doc, r.document_value(filter)),
            _ => r.skip_value(),
        })?;
        Some(InlinePolicy {
            name: name?,
            document: doc?,
        })
    }
}

impl Element for Attachment {
    fn read_at(r: &mut Reader<'_>, _: StatementFilter) -> Option<Self> {
        let (mut name, mut arn) = (None, None);
        r.fields(|r, key| match key {
            b"name" | b"PolicyName" => once(&mut name, r.text_value()),
            b"arn" | b"PolicyArn" => once(&mut arn, r.text_value()),
            _ => r.skip_value(),
        })?;
        Some(Attachment {
            name: name.unwrap_or_default(),
            arn: arn?,
        })
    }
}

impl Element for Boundary {
    fn read_at(r: &mut Reader<'_>, _: StatementFilter) -> Option<Self> {
        let mut arn = None;
        r.fields(|r, key| match key {
            b"arn" | b"PermissionsBoundaryArn" => once(&mut arn, r.text_value()),
            _ => r.skip_value(),
        })?;
        Some(Boundary { arn: arn? })
    }
}

impl Element for Tag {
    fn read_at(r: &mut Reader<'_>, _: StatementFilter) -> Option<Self> {
        let (mut key, mut value) = (None, None);
        r.fields(|r, k| match k {
            b"key" | b"Key" => once(&mut key, r.text_value()),
            b"value" | b"Value" => once(&mut value, r.text_value()),
            _ => r.skip_value(),
        })?;
        Some(Tag {
            key: key?,
            value: value.unwrap_or_default(),
        })
    }
}

impl Element for PolicyVersion {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        let (mut version_id, mut is_default, mut doc) = (None, None, None);
        r.fields(|r, key| match key {
            b"version_id" | b"VersionId" => once(&mut version_id, r.text_value()),
            b"is_default" | b"IsDefaultVersion" => once(&mut is_default, r.bool_value()),
            b"document" | b"Document" => once(&mut doc, r.document_value(filter)),
            _ => r.skip_value(),
        })?;
        Some(PolicyVersion {
            version_id: version_id.unwrap_or_default(),
            is_default: is_default.unwrap_or_default(),
            document: doc?,
        })
    }
}

/// An `Option` field: None for `null`, else what `read` reads.
fn optional<T>(
    r: &mut Reader<'_>,
    read: impl FnOnce(&mut Reader<'_>) -> Option<T>,
) -> Option<Option<T>> {
    if r.peek()? == b'n' {
        return r.null().map(|()| None);
    }
    read(r).map(Some)
}

/// The fields users, groups and roles share, as read so far; each kind names
/// its own name, id and inline-policy list (`UserName`, `GroupId`,
/// `RolePolicyList`...). Groups have no boundary or tags: for them those keys
/// are unknown, and skipped.
#[derive(Default)]
struct Principal {
    name: Option<String>,
    arn: Option<String>,
    id: Option<String>,
    path: Option<String>,
    inline: Option<Vec<InlinePolicy>>,
    attached: Option<Vec<Attachment>>,
    boundary: Option<Option<Boundary>>,
    tags: Option<Vec<Tag>>,
}

/// A kind of principal's own keys for the shared fields.
struct Keys {
    name: &'static [u8],
    id: &'static [u8],
    inline: &'static [u8],
    /// Whether the kind has `PermissionsBoundary` and `Tags`.
    boundary_and_tags: bool,
}

/// What [`Principal::field`] made of a key.
enum Field {
    /// A shared field, read.
    Read,
    /// Not a shared field: the caller reads or skips its value.
    Other,
}

impl Principal {
    /// Reads the value of `key` when it names a shared field of this kind.
    fn field(
        &mut self,
        r: &mut Reader<'_>,
        key: &[u8],
        keys: &Keys,
        filter: StatementFilter,
    ) -> Option<Field> {
        let either = |field: &[u8], alias: &[u8]| key == field || key == alias;
        if either(b"name", keys.name) {
            once(&mut self.name, r.text_value())?;
        } else if key == b"arn" || key == b"Arn" {
            once(&mut self.arn, r.text_value())?;
        } else if either(b"id", keys.id) {
            once(&mut self.id, r.text_value())?;
        } else if key == b"path" || key == b"Path" {
            once(&mut self.path, r.text_value())?;
        } else if either(b"inline_policies", keys.inline) {
            once(&mut self.inline, r.list(|r| r.nested(filter)))?;
        } else if either(b"attached_policies", b"AttachedManagedPolicies") {
            once(&mut self.attached, r.list(|r| r.nested(filter)))?;
        } else if keys.boundary_and_tags && either(b"permissions_boundary", b"PermissionsBoundary")
        {
            once(&mut self.boundary, optional(r, |r| r.nested(filter)))?;
        } else if keys.boundary_and_tags && either(b"tags", b"Tags") {
            once(&mut self.tags, r.list(|r| r.nested(filter)))?;
        } else {
            return Some(Field::Other);
        }
        Some(Field::Read)
    }
}

impl Element for User {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        const KEYS: Keys = Keys {
            name: b"UserName",
            id: b"UserId",
            inline: b"UserPolicyList",
            boundary_and_tags: true,
        };
        let mut p = Principal::default();
        let mut groups = None;
        r.fields(|r, key| match p.field(r, key, &KEYS, filter)? {
            Field::Read => Some(()),
            Field::Other => match key {
                b"groups" | b"GroupList" => once(&mut groups, r.list(Reader::text_value)),
                _ => r.skip_value(),
            },
        })?;
        Some(User {
            name: p.name?,
            arn: p.arn?,
            id: p.id.unwrap_or_default(),
            path: p.path.unwrap_or_default(),
            inline_policies: p.inline.unwrap_or_default(),
            groups: groups.unwrap_or_default(),
            attached_policies: p.attached.unwrap_or_default(),
            permissions_boundary: p.boundary.flatten(),
            tags: p.tags.unwrap_or_default(),
            file: None,
        })
    }
}

impl Element for Group {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        const KEYS: Keys = Keys {
            name: b"GroupName",
            id: b"GroupId",
            inline: b"GroupPolicyList",
            boundary_and_tags: false,
        };
        let mut p = Principal::default();
        r.fields(|r, key| match p.field(r, key, &KEYS, filter)? {
            Field::Read => Some(()),
            Field::Other => r.skip_value(),
        })?;
        Some(Group {
            name: p.name?,
            arn: p.arn?,
            id: p.id.unwrap_or_default(),
            path: p.path.unwrap_or_default(),
            inline_policies: p.inline.unwrap_or_default(),
            attached_policies: p.attached.unwrap_or_default(),
            file: None,
        })
    }
}

impl Element for Role {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        const KEYS: Keys = Keys {
            name: b"RoleName",
            id: b"RoleId",
            inline: b"RolePolicyList",
            boundary_and_tags: true,
        };
        let mut p = Principal::default();
        let mut trust = None;
        r.fields(|r, key| match p.field(r, key, &KEYS, filter)? {
            Field::Read => Some(()),
            Field::Other => match key {
                b"trust_policy" | b"AssumeRolePolicyDocument" => {
                    once(&mut trust, optional(r, |r| r.document_value(filter)))
                }
                _ => r.skip_value(),
            },
        })?;
        Some(Role {
            name: p.name?,
            arn: p.arn?,
            id: p.id.unwrap_or_default(),
            path: p.path.unwrap_or_default(),
            trust_policy: trust.flatten(),
            inline_policies: p.inline.unwrap_or_default(),
            attached_policies: p.attached.unwrap_or_default(),
            permissions_boundary: p.boundary.flatten(),
            tags: p.tags.unwrap_or_default(),
            file: None,
        })
    }
}

impl Element for ManagedPolicy {
    fn read_at(r: &mut Reader<'_>, filter: StatementFilter) -> Option<Self> {
        let (mut name, mut arn, mut path, mut default_version) = (None, None, None, None);
        let (mut attachments, mut versions) = (None, None);
        r.fields(|r, key| match key {
            b"name" | b"PolicyName" => once(&mut name, r.text_value()),
            b"arn" | b"Arn" => once(&mut arn, r.text_value()),
            b"path" | b"Path" => once(&mut path, r.text_value()),
            b"default_version_id" | b"DefaultVersionId" => {
                once(&mut default_version, r.text_value())
            }
            b"attachment_count" | b"AttachmentCount" => once(&mut attachments, r.u64_value()),
            b"versions" | b"PolicyVersionList" => once(&mut versions, r.list(|r| r.nested(filter))),
            _ => r.skip_value(),
        })?;
        Some(ManagedPolicy {
            name: name.unwrap_or_default(),
            arn: arn?,
            path: path.unwrap_or_default(),
            default_version_id: default_version.unwrap_or_default(),
            attachment_count: attachments.unwrap_or_default(),
            versions: versions.unwrap_or_default(),
            file: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::KeepStatementsFor;
    use proptest::prelude::Strategy;
    use serde::de::DeserializeOwned;

    const KEPT_FOR: &[&str] = &["ec2:StopInstances", "sts:AssumeRole"];
    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":["ec2:StopInstances"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;

    /// The element as this module reads it, and as serde_json reads it whole,
    /// each as its `Debug` text, with statements kept for [`KEPT_FOR`].
    fn both<T: Element + DeserializeOwned + std::fmt::Debug>(
        text: &str,
    ) -> (Option<String>, Result<String, String>) {
        let _keep = KeepStatementsFor::new(KEPT_FOR);
        let filter = StatementFilter::current().unwrap();
        (
            T::read(text, filter).map(|v| format!("{v:?}")),
            serde_json::from_str::<T>(text)
                .map(|v| format!("{v:?}"))
                .map_err(|e| e.to_string()),
        )
    }

    /// Read here, and the same as serde_json reads it.
    fn read_alike<T: Element + DeserializeOwned + std::fmt::Debug>(text: &str) {
        let (fast, whole) = both::<T>(text);
        assert!(fast.is_some(), "declined: {text}\nserde_json: {whole:?}");
        assert_eq!(fast, whole.ok(), "{text}");
    }

    fn user() -> String {
        format!(
            r#"{{"Path":"/","UserName":"alice","UserId":"AIDA1","Arn":"arn:aws:iam::111122223333:user/alice","CreateDate":"2020-01-01T00:00:00Z",
            "UserPolicyList":[{{"PolicyName":"inline","PolicyDocument":{DOC}}}],"GroupList":["ops","dev"],
            "AttachedManagedPolicies":[{{"PolicyName":"p","PolicyArn":"arn:aws:iam::111122223333:policy/p"}}],
            "PermissionsBoundary":{{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"arn:aws:iam::111122223333:policy/b"}},
            "Tags":[{{"Key":"team","Value":"ops"}},{{"Key":"bare"}}]}}"#
        )
    }

    fn role() -> String {
        format!(
            r#"{{"Path":"/","RoleName":"r","RoleId":"AROA1","Arn":"arn:aws:iam::111122223333:role/r","AssumeRolePolicyDocument":{TRUST},
            "InstanceProfileList":[{{"InstanceProfileName":"p","Roles":[{{"RoleName":"r","AssumeRolePolicyDocument":{TRUST}}}]}}],
            "RolePolicyList":[{{"PolicyName":"a","PolicyDocument":{DOC}}}],"AttachedManagedPolicies":[],
            "PermissionsBoundary":null,"Tags":[],"RoleLastUsed":{{"LastUsedDate":"2024-01-01T00:00:00Z","Region":"eu-west-1"}},"X":[1,-2.5e3,true,false,null,"a\"b\\c\u00e9"]}}"#
        )
    }

    fn group() -> String {
        format!(
            r#"{{"Path":"/","GroupName":"ops","GroupId":"AGPA1","Arn":"arn:aws:iam::111122223333:group/ops",
            "GroupPolicyList":[{{"PolicyName":"g","PolicyDocument":{DOC}}}],"AttachedManagedPolicies":[{{"PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}]}}"#
        )
    }

    fn policy() -> String {
        format!(
            r#"{{"PolicyName":"p","PolicyId":"ANPA1","Arn":"arn:aws:iam::111122223333:policy/p","Path":"/","DefaultVersionId":"v2","AttachmentCount":3,
            "PermissionsBoundaryUsageCount":0,"IsAttachable":true,
            "PolicyVersionList":[{{"Document":{DOC},"VersionId":"v2","IsDefaultVersion":true}},{{"Document":{TRUST},"VersionId":"v1","IsDefaultVersion":false}}]}}"#
        )
    }

    #[test]
    fn elements_written_plainly_are_read_here_as_serde_json_reads_them() {
        read_alike::<User>(&user());
        read_alike::<Role>(&role());
        read_alike::<Group>(&group());
        read_alike::<ManagedPolicy>(&policy());
        // The fields' own names (the snapshot's), the least an element may say,
        // and a trust policy of null.
        read_alike::<User>(
            r#"{"name":"u","arn":"a","groups":[],"permissions_boundary":{"arn":"b"},"tags":[{"key":"k","value":"v"}]}"#,
        );
        read_alike::<Role>(r#"{"RoleName":"r","Arn":"a","AssumeRolePolicyDocument":null}"#);
        read_alike::<Group>(r#"{"name":"g","arn":"a"}"#);
        // Keys a group does not have, which other principals do: skipped.
        read_alike::<Group>(
            r#"{"GroupName":"g","Arn":"a","Tags":{"not":"a list"},"PermissionsBoundary":7,"GroupList":1}"#,
        );
        read_alike::<ManagedPolicy>(r#"{"Arn":"a","AttachmentCount":0,"PolicyVersionList":[]}"#);
        read_alike::<ManagedPolicy>(
            r#"{"arn":"a","attachment_count":18446744073709551615,"versions":[{"document":{"Statement":[]}}]}"#,
        );
        // Whitespace as the AWS CLI indents it.
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&role()).unwrap(),
        )
        .unwrap();
        read_alike::<Role>(&pretty);
    }

    #[test]
    fn what_is_not_written_plainly_is_declined() {
        let declined = [
            // A field twice, under its name and its alias, or the same name.
            r#"{"RoleName":"r","name":"r","Arn":"a"}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","Tags":[],"Tags":[]}"#.to_string(),
            // A key with an escape, which may spell a known one.
            r#"{"Role\u004eame":"r","Arn":"a"}"#.to_string(),
            // A value with an escape, of another type, or null where no Option is.
            r#"{"RoleName":"r\n","Arn":"a"}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","Path":null}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","Tags":{}}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","RolePolicyList":null}"#.to_string(),
            r#"{"RoleName":1,"Arn":"a"}"#.to_string(),
            // A required field missing.
            r#"{"RoleName":"r"}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","RolePolicyList":[{"PolicyName":"p"}]}"#.to_string(),
            r#"{"RoleName":"r","Arn":"a","Tags":[{"Value":"v"}]}"#.to_string(),
            // A document written as a string (URL-encoded, as the API returns it).
            r#"{"RoleName":"r","Arn":"a","AssumeRolePolicyDocument":"%7B%7D"}"#.to_string(),
            // Too deep to skip here.
            format!(
                r#"{{"RoleName":"r","Arn":"a","X":{}1{}}}"#,
                "[".repeat(40),
                "]".repeat(40)
            ),
            // Not an object, or more than one value.
            r#"["r","a"]"#.to_string(),
            r#"{"RoleName":"r","Arn":"a"} "#.to_string(),
        ];
        for text in &declined {
            assert_eq!(both::<Role>(text).0, None, "{text}");
        }
        // Numbers other than a plain u64.
        for n in ["1.0", "-1", "1e3", "01", "18446744073709551616", "\"3\""] {
            let text = format!(r#"{{"Arn":"a","AttachmentCount":{n}}}"#);
            assert_eq!(both::<ManagedPolicy>(&text).0, None, "{text}");
        }
        for b in ["1", "\"true\"", "null", "True"] {
            let text = format!(
                r#"{{"Arn":"a","PolicyVersionList":[{{"IsDefaultVersion":{b},"Document":{{}}}}]}}"#
            );
            assert_eq!(both::<ManagedPolicy>(&text).0, None, "{text}");
        }
    }

    /// Elements of each type, mangled.
    fn mangled() -> impl Strategy<Value = (usize, String)> {
        let bases = vec![(0, user()), (1, role()), (2, group()), (3, policy())];
        super::super::tests::mangle(bases, br#"{}[],:"\ 0123456789.eE+-tfnulAaNrx"#)
    }

    /// Whatever this module reads, serde_json reads the same.
    fn agrees<T: Element + DeserializeOwned + std::fmt::Debug>(text: &str) -> Result<(), String> {
        match both::<T>(text) {
            (Some(fast), Ok(whole)) if fast == whole => Ok(()),
            (Some(fast), whole) => Err(format!(
                "{text}\nread {fast}\nwhere serde_json gives {whole:?}"
            )),
            (None, _) => Ok(()),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        #[test]
        fn what_is_read_here_serde_json_reads_the_same((kind, text) in mangled()) {
            let agreed = match kind {
                0 => agrees::<User>(&text),
                1 => agrees::<Role>(&text),
                2 => agrees::<Group>(&text),
                _ => agrees::<ManagedPolicy>(&text),
            };
            if let Err(e) = agreed {
                proptest::prop_assert!(false, "{}", e);
            }
        }
    }
}
