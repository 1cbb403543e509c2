//! Serialising Rust values straight into the values regorus evaluates.
//!
//! The input document used to go through `serde_json::Value` first: the analysis
//! of a large account (thousands of principals, each with its granting
//! statements) was built as JSON values and then converted, string by string, into
//! regorus values, which took a tenth of a check of the benchmark export on one
//! core. [`to_value`] builds the regorus values directly, and builds exactly what
//! `regorus::Value::from(serde_json::to_value(x))` builds: objects as maps sorted
//! by key, `None` and `()` as null, unit enum variants as strings, and the same
//! errors where JSON has no representation (a non-finite float, a map key that is
//! not a string, a number or a boolean). The tests compare the two on every shape.
use std::collections::BTreeMap;
use std::fmt::Display;

use regorus::Value;
use serde::ser::{self, Serialize};

/// Why a value could not be represented.
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, Error>;

/// `value` as a regorus value.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    value.serialize(ValueSerializer)
}

/// The number JSON would hold: finite only, as serde_json and regorus require.
fn float(v: f64) -> Result<Value> {
    if v.is_finite() {
        Ok(Value::from(v))
    } else {
        // serde_json writes a non-finite float as null.
        Ok(Value::Null)
    }
}

fn object(map: BTreeMap<Value, Value>) -> Value {
    if map.is_empty() {
        Value::new_object()
    } else {
        Value::from(map)
    }
}

struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        // serde_json keeps non-negative integers as unsigned, and regorus reads
        // them back as such.
        match u64::try_from(v) {
            Ok(u) => Ok(Value::from(u)),
            Err(_) => Ok(Value::from(v)),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::from(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::from(
            v.iter()
                .map(|b| Value::from(u64::from(*b)))
                .collect::<Vec<_>>(),
        ))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        let mut map = BTreeMap::new();
        map.insert(Value::from(variant), to_value(value)?);
        Ok(object(map))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>> {
        Ok(VariantBuilder {
            variant,
            inner: SeqBuilder(Vec::with_capacity(len)),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapBuilder> {
        Ok(MapBuilder::default())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantBuilder<MapBuilder>> {
        Ok(VariantBuilder {
            variant,
            inner: MapBuilder::default(),
        })
    }
}

struct SeqBuilder(Vec<Value>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.0.push(to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(Value::from(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

#[derive(Default)]
struct MapBuilder {
    map: BTreeMap<Value, Value>,
    key: Option<Value>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        // JSON keys are strings; serde_json writes numbers and booleans as their
        // text and refuses anything else.
        let key = match to_value(key)? {
            s @ Value::String(_) => s,
            n @ Value::Number(_) => Value::from(n.to_string()),
            Value::Bool(b) => Value::from(b.to_string()),
            _ => return Err(Error("key must be a string".into())),
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("map value without a key".into()))?;
        self.map.insert(key, to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(object(self.map))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.map.insert(Value::from(key), to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(object(self.map))
    }
}

/// `{"Variant": ...}`, serde_json's shape for a tuple or struct variant.
struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }
    fn end(self) -> Result<Value> {
        let mut map = BTreeMap::new();
        map.insert(
            Value::from(self.variant),
            ser::SerializeSeq::end(self.inner)?,
        );
        Ok(object(map))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Result<Value> {
        let mut map = BTreeMap::new();
        map.insert(
            Value::from(self.variant),
            ser::SerializeStruct::end(self.inner)?,
        );
        Ok(object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    /// What the input used to be built as: through serde_json.
    fn via_json<T: Serialize>(value: &T) -> Value {
        Value::from(serde_json::to_value(value).unwrap())
    }

    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Inline,
        #[allow(dead_code)]
        Managed,
    }

    #[derive(Serialize)]
    enum Shape {
        Pair(u8, String),
        Named { a: i32 },
        Wrapped(bool),
    }

    #[derive(Serialize)]
    struct Newtype(String);

    #[derive(Serialize)]
    struct Every {
        text: String,
        empty_text: &'static str,
        yes: bool,
        small: u8,
        big: u64,
        negative: i64,
        zero: i32,
        fraction: f64,
        not_a_number: f64,
        none: Option<String>,
        some: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        unit: (),
        kind: Kind,
        newtype: Newtype,
        shapes: Vec<Shape>,
        empty_list: Vec<u8>,
        tuple: (u8, &'static str),
        map: BTreeMap<String, Vec<String>>,
        number_keys: BTreeMap<u32, bool>,
        empty_map: BTreeMap<String, u8>,
        nested: Vec<Vec<Option<char>>>,
    }

    #[test]
    fn builds_what_going_through_json_builds() {
        let every = Every {
            text: "arn:aws:iam::111122223333:role/ops".into(),
            empty_text: "",
            yes: true,
            small: 7,
            big: u64::MAX,
            negative: -3,
            zero: 0,
            fraction: 0.5,
            not_a_number: f64::NAN,
            none: None,
            some: Some(2),
            skipped: None,
            unit: (),
            kind: Kind::Inline,
            newtype: Newtype("n".into()),
            shapes: vec![
                Shape::Pair(1, "x".into()),
                Shape::Named { a: -1 },
                Shape::Wrapped(false),
            ],
            empty_list: vec![],
            tuple: (1, "one"),
            map: [("b".to_string(), vec!["2".into()]), ("a".into(), vec![])]
                .into_iter()
                .collect(),
            number_keys: [(10, true), (2, false)].into_iter().collect(),
            empty_map: BTreeMap::new(),
            nested: vec![vec![Some('c'), None], vec![]],
        };
        assert_eq!(to_value(&every).unwrap(), via_json(&every));
        // Representations too (regorus keeps small objects compactly): the same
        // JSON text, key order included.
        assert_eq!(
            serde_json::to_string(&to_value(&every).unwrap()).unwrap(),
            serde_json::to_string(&via_json(&every)).unwrap()
        );
    }

    #[test]
    fn map_keys_json_cannot_hold_are_errors() {
        let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert!(serde_json::to_value(&bad).is_err());
        assert!(to_value(&bad).is_err());
    }
}
