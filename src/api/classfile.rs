//! The class-file model: what a compiled class shows its consumers (access, hierarchy,
//! members, descriptors, generic signatures, compile-time constants, annotations with
//! their values), as owned data read from the bytes with `cafebabe`.
//!
//! Class files come from jars in the local repository and from build output: untrusted
//! input. [`parse`] refuses oversized files, and turns a panic of the parser into an
//! error; the caller ([`super::archive`]) runs it on a thread with a large stack, since
//! nested annotation values are parsed recursively.

use cafebabe::attributes::{AnnotationElementValue, AttributeData, AttributeInfo};
use cafebabe::constant_pool::LiteralConstant;
use std::fmt;

/// The largest class file read, in bytes. javac's limits (64 KiB of code per method,
/// 65535 constant pool entries) keep real class files far below it.
pub const MAX_CLASS_BYTES: usize = 4 << 20;

/// `ACC_PUBLIC`.
pub const PUBLIC: u16 = 0x0001;
/// `ACC_PRIVATE`.
pub const PRIVATE: u16 = 0x0002;
/// `ACC_PROTECTED`.
pub const PROTECTED: u16 = 0x0004;
/// `ACC_STATIC`.
pub const STATIC: u16 = 0x0008;
/// `ACC_FINAL`.
pub const FINAL: u16 = 0x0010;
/// `ACC_VARARGS` (methods).
pub const VARARGS: u16 = 0x0080;
/// `ACC_INTERFACE`.
pub const INTERFACE: u16 = 0x0200;
/// `ACC_ABSTRACT`.
pub const ABSTRACT: u16 = 0x0400;
/// `ACC_SYNTHETIC`.
pub const SYNTHETIC: u16 = 0x1000;
/// `ACC_ANNOTATION`.
pub const ANNOTATION: u16 = 0x2000;
/// `ACC_ENUM`.
pub const ENUM: u16 = 0x4000;

/// How visible a class or member is, ordered from least to most (JLS 6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// `private`.
    Private,
    /// No modifier: the package.
    Package,
    /// `protected`.
    Protected,
    /// `public`.
    Public,
}

impl Access {
    /// The access of these flags.
    pub fn of(flags: u16) -> Access {
        if flags & PUBLIC != 0 {
            Access::Public
        } else if flags & PROTECTED != 0 {
            Access::Protected
        } else if flags & PRIVATE != 0 {
            Access::Private
        } else {
            Access::Package
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Private => "private",
            Access::Package => "package-private",
            Access::Protected => "protected",
            Access::Public => "public",
        })
    }
}

/// One class, interface, enum or annotation type.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Class {
    /// The binary name with dots: `com.example.Outer$Inner`.
    pub name: String,
    /// Access flags; for a nested class those of its `InnerClasses` entry (which carry
    /// `protected`, `private` and `static`, as the compiler declared them).
    pub access: u16,
    /// The superclass, dotted (`None` only for `java.lang.Object` and modules).
    pub super_class: Option<String>,
    /// Directly implemented (or, for an interface, extended) interfaces, dotted.
    pub interfaces: Vec<String>,
    /// The generic signature (`Signature` attribute), if any.
    pub signature: Option<String>,
    /// Annotations on the type (visible and invisible).
    pub annotations: Vec<Annotation>,
    /// Declared fields.
    pub fields: Vec<Field>,
    /// Declared methods and constructors (`<init>`); `<clinit>` is left out.
    pub methods: Vec<Method>,
}

/// A declared field.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its descriptor, e.g. `Ljava/lang/String;`.
    pub descriptor: String,
    /// Access flags.
    pub access: u16,
    /// The generic signature, if any.
    pub signature: Option<String>,
    /// The compile-time constant (`ConstantValue`), which javac inlines into consumers.
    pub constant: Option<Constant>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
}

/// A declared method or constructor.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Method {
    /// Its name (`<init>` for a constructor).
    pub name: String,
    /// Its descriptor, e.g. `(Ljava/lang/String;I)V`.
    pub descriptor: String,
    /// Access flags.
    pub access: u16,
    /// The generic signature, if any.
    pub signature: Option<String>,
    /// Declared exceptions (`throws`), dotted.
    pub exceptions: Vec<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
}

impl Method {
    /// The parameter part of the descriptor: `(Ljava/lang/String;I)`.
    pub fn parameters(&self) -> &str {
        match self.descriptor.find(')') {
            Some(end) => &self.descriptor[..=end],
            None => &self.descriptor,
        }
    }

    /// The return part of the descriptor: `V`, `Ljava/lang/String;`.
    pub fn return_type(&self) -> &str {
        match self.descriptor.find(')') {
            Some(end) => &self.descriptor[end + 1..],
            None => "",
        }
    }

    /// Whether this is a constructor.
    pub fn is_constructor(&self) -> bool {
        self.name == "<init>"
    }
}

/// A compile-time constant value.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Constant {
    /// `int`, `short`, `char`, `byte`, `boolean`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `float`, by its bits (so that NaN equals itself).
    Float(u32),
    /// `double`, by its bits.
    Double(u64),
    /// `String`.
    String(String),
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Int(v) => write!(f, "{v}"),
            Constant::Long(v) => write!(f, "{v}L"),
            Constant::Float(bits) => write!(f, "{}f", f32::from_bits(*bits)),
            Constant::Double(bits) => write!(f, "{}d", f64::from_bits(*bits)),
            Constant::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// An annotation and its element values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Annotation {
    /// The annotation type, dotted: `org.springframework.web.bind.annotation.GetMapping`.
    pub type_name: String,
    /// Element name and value, in class-file order.
    pub elements: Vec<(String, Value)>,
}

impl Annotation {
    /// The value of element `name`, if given (defaults are in the annotation type, not here).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.elements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// An annotation element value.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A string.
    String(String),
    /// A primitive constant, as Java would print it.
    Primitive(String),
    /// An enum constant: its type (dotted) and name.
    Enum {
        /// The enum type, dotted.
        type_name: String,
        /// The constant's name.
        name: String,
    },
    /// A class literal, as its descriptor.
    Class(String),
    /// A nested annotation.
    Annotation(Box<Annotation>),
    /// An array.
    Array(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "{s:?}"),
            Value::Primitive(p) => f.write_str(p),
            Value::Enum { type_name, name } => {
                let short = type_name.rsplit('.').next().unwrap_or(type_name);
                write!(f, "{short}.{name}")
            }
            Value::Class(c) => write!(f, "{}.class", java_type(c)),
            Value::Annotation(a) => write!(f, "{a}"),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(Value::to_string).collect();
                write!(f, "{{{}}}", items.join(", "))
            }
        }
    }
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elements: Vec<String> = self
            .elements
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        write!(f, "@{}({})", self.type_name, elements.join(", "))
    }
}

impl Value {
    /// The strings of a string or an array of strings (`value = "/a"` or `{"/a", "/b"}`).
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The enum constant names of an enum value or an array of them.
    pub fn enum_names(&self) -> Vec<&str> {
        match self {
            Value::Enum { name, .. } => vec![name.as_str()],
            Value::Array(items) => items.iter().flat_map(Value::enum_names).collect(),
            _ => Vec::new(),
        }
    }
}

/// Parses one class file. `Err` carries the parser's reason.
pub fn parse(bytes: &[u8]) -> Result<Class, String> {
    if bytes.len() > MAX_CLASS_BYTES {
        return Err(format!(
            "class file of {} bytes is larger than the {} bytes m2fresh reads",
            bytes.len(),
            MAX_CLASS_BYTES
        ));
    }
    // cafebabe validates as it goes, but a parser bug must not take m2fresh down.
    let parsed = std::panic::catch_unwind(|| {
        let mut options = cafebabe::ParseOptions::default();
        options.parse_bytecode(false);
        cafebabe::parse_class_with_options(bytes, &options)
            .map(|class| convert(&class))
            .map_err(|e| e.to_string())
    });
    match parsed {
        Ok(result) => result,
        Err(_) => Err("the class-file parser failed on this file".to_string()),
    }
}

fn convert(class: &cafebabe::ClassFile<'_>) -> Class {
    let name = dotted(&class.this_class);
    let mut access = class.access_flags.bits();
    for attribute in &class.attributes {
        if let AttributeData::InnerClasses(entries) = &attribute.data
            && let Some(entry) = entries
                .iter()
                .find(|e| e.inner_class_info.as_ref() == &*class.this_class)
        {
            access = entry.access_flags.bits();
        }
    }
    Class {
        name,
        access,
        super_class: class.super_class.as_ref().map(|s| dotted(s)),
        interfaces: class.interfaces.iter().map(|i| dotted(i)).collect(),
        signature: signature(&class.attributes),
        annotations: annotations(&class.attributes),
        fields: class
            .fields
            .iter()
            .map(|f| Field {
                name: f.name.to_string(),
                descriptor: f.descriptor.to_string(),
                access: f.access_flags.bits(),
                signature: signature(&f.attributes),
                constant: constant(&f.attributes),
                annotations: annotations(&f.attributes),
            })
            .collect(),
        methods: class
            .methods
            .iter()
            .filter(|m| m.name != "<clinit>")
            .map(|m| Method {
                name: m.name.to_string(),
                descriptor: m.descriptor.to_string(),
                access: m.access_flags.bits(),
                signature: signature(&m.attributes),
                exceptions: exceptions(&m.attributes),
                annotations: annotations(&m.attributes),
            })
            .collect(),
    }
}

/// `com/example/Foo` → `com.example.Foo`.
pub fn dotted(internal: &str) -> String {
    internal.replace('/', ".")
}

fn signature(attributes: &[AttributeInfo<'_>]) -> Option<String> {
    attributes.iter().find_map(|a| match &a.data {
        AttributeData::Signature(s) => Some(s.to_string()),
        _ => None,
    })
}

fn exceptions(attributes: &[AttributeInfo<'_>]) -> Vec<String> {
    attributes
        .iter()
        .flat_map(|a| match &a.data {
            AttributeData::Exceptions(list) => list.iter().map(|e| dotted(e)).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn constant(attributes: &[AttributeInfo<'_>]) -> Option<Constant> {
    attributes.iter().find_map(|a| match &a.data {
        AttributeData::ConstantValue(c) => Some(match c {
            LiteralConstant::Integer(v) => Constant::Int(*v),
            LiteralConstant::Long(v) => Constant::Long(*v),
            LiteralConstant::Float(v) => Constant::Float(v.to_bits()),
            LiteralConstant::Double(v) => Constant::Double(v.to_bits()),
            LiteralConstant::String(s) => Constant::String(s.to_string()),
            LiteralConstant::StringBytes(b) => Constant::String(String::from_utf8_lossy(b).into()),
        }),
        _ => None,
    })
}

fn annotations(attributes: &[AttributeInfo<'_>]) -> Vec<Annotation> {
    attributes
        .iter()
        .flat_map(|a| match &a.data {
            AttributeData::RuntimeVisibleAnnotations(list)
            | AttributeData::RuntimeInvisibleAnnotations(list) => {
                list.iter().map(annotation).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

fn annotation(a: &cafebabe::attributes::Annotation<'_>) -> Annotation {
    Annotation {
        type_name: descriptor_class(&a.type_descriptor.to_string()),
        elements: a
            .elements
            .iter()
            .map(|e| (e.name.to_string(), value(&e.value)))
            .collect(),
    }
}

fn value(v: &AnnotationElementValue<'_>) -> Value {
    match v {
        AnnotationElementValue::StringConstant(s) => Value::String(s.to_string()),
        AnnotationElementValue::ByteConstant(n)
        | AnnotationElementValue::CharConstant(n)
        | AnnotationElementValue::IntConstant(n)
        | AnnotationElementValue::ShortConstant(n) => Value::Primitive(n.to_string()),
        AnnotationElementValue::BooleanConstant(n) => Value::Primitive((*n != 0).to_string()),
        AnnotationElementValue::LongConstant(n) => Value::Primitive(n.to_string()),
        AnnotationElementValue::FloatConstant(n) => Value::Primitive(n.to_string()),
        AnnotationElementValue::DoubleConstant(n) => Value::Primitive(n.to_string()),
        AnnotationElementValue::EnumConstant {
            type_name,
            const_name,
        } => Value::Enum {
            type_name: descriptor_class(&type_name.to_string()),
            name: const_name.to_string(),
        },
        AnnotationElementValue::ClassLiteral { class_name } => Value::Class(class_name.to_string()),
        AnnotationElementValue::AnnotationValue(a) => Value::Annotation(Box::new(annotation(a))),
        AnnotationElementValue::ArrayValue(items) => {
            Value::Array(items.iter().map(value).collect())
        }
    }
}

/// `Lcom/example/Foo;` → `com.example.Foo`; anything else is returned as it is.
fn descriptor_class(descriptor: &str) -> String {
    match descriptor
        .strip_prefix('L')
        .and_then(|d| d.strip_suffix(';'))
    {
        Some(internal) => dotted(internal),
        None => descriptor.to_string(),
    }
}

/// A field descriptor as Java source spells the type: `[Ljava/lang/String;` →
/// `java.lang.String[]`. Malformed input is returned as it is.
pub fn java_type(descriptor: &str) -> String {
    let dims = descriptor.bytes().take_while(|b| *b == b'[').count();
    let base = &descriptor[dims..];
    let name = match base {
        "B" => "byte".to_string(),
        "C" => "char".to_string(),
        "D" => "double".to_string(),
        "F" => "float".to_string(),
        "I" => "int".to_string(),
        "J" => "long".to_string(),
        "S" => "short".to_string(),
        "Z" => "boolean".to_string(),
        "V" => "void".to_string(),
        other => match other.strip_prefix('L').and_then(|o| o.strip_suffix(';')) {
            Some(internal) => dotted(internal),
            None => return descriptor.to_string(),
        },
    };
    format!("{name}{}", "[]".repeat(dims))
}

/// The field descriptors of a method descriptor's parameters, in order.
pub fn parameter_descriptors(method_descriptor: &str) -> Vec<&str> {
    let inner = method_descriptor
        .strip_prefix('(')
        .and_then(|d| d.split(')').next())
        .unwrap_or("");
    let mut out = Vec::new();
    let bytes = inner.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i += 1,
            b'L' => {
                match inner[i..].find(';') {
                    Some(end) => i += end + 1,
                    None => return out,
                }
                out.push(&inner[start..i]);
                start = i;
            }
            _ => {
                i += 1;
                out.push(&inner[start..i]);
                start = i;
            }
        }
    }
    out
}

/// A method as Java source names it: `find(java.lang.String,int)`.
pub fn method_label(method: &Method) -> String {
    let params: Vec<String> = parameter_descriptors(&method.descriptor)
        .into_iter()
        .map(java_type)
        .collect();
    format!("{}({})", method.name, params.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_read_as_java() {
        assert_eq!(java_type("[Ljava/lang/String;"), "java.lang.String[]");
        assert_eq!(java_type("I"), "int");
        assert_eq!(
            parameter_descriptors("(Ljava/lang/String;[IJ)V"),
            vec!["Ljava/lang/String;", "[I", "J"]
        );
        assert_eq!(parameter_descriptors("(L"), Vec::<&str>::new());
    }

    /// `public class A` (Java 17), by hand: the constant pool names `A` and its superclass.
    fn minimal_class() -> Vec<u8> {
        let mut b = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61, 0, 5];
        for (i, utf8) in [(1u16, "A"), (3, "java/lang/Object")] {
            b.push(1);
            b.extend((utf8.len() as u16).to_be_bytes());
            b.extend(utf8.as_bytes());
            b.push(7);
            b.extend(i.to_be_bytes());
        }
        b.extend([0x00, 0x21, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn a_minimal_class_parses_and_every_mutation_is_handled() {
        let class = minimal_class();
        let parsed = parse(&class).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.name, "A");
        assert_eq!(parsed.super_class.as_deref(), Some("java.lang.Object"));
        for end in 0..class.len() {
            assert!(parse(&class[..end]).is_err(), "truncated at {end}");
        }
        for at in 0..class.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut mutated = class.clone();
                mutated[at] ^= flip;
                let _ = parse(&mutated);
            }
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"").is_err());
        assert!(parse(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61, 0xFF, 0xFF]).is_err());
        assert!(parse(&vec![0u8; MAX_CLASS_BYTES + 1]).is_err());
    }
}
