//! A grader case: a name and a body that returns why it failed.

use learn_mtls::handshake::Binding;
use learn_mtls::kex::Kex;
use learn_mtls::schedule::KeySchedule;
use learn_mtls_kit::grade::spec::{Lesson, Proto};

pub const BINDINGS: [Binding; 2] = [Binding::InsecureLesson11, Binding::Transcript];

pub const SCHEDULES: [KeySchedule; 2] = [KeySchedule::Hkdf, KeySchedule::Tls12Prf];

pub type Body = Box<dyn FnOnce() -> Result<(), String> + Send>;

pub struct Case {
    pub name: String,
    pub body: Body,
}

pub fn case(name: String, body: impl FnOnce() -> Result<(), String> + Send + 'static) -> Case {
    Case {
        name,
        body: Box::new(body),
    }
}

pub fn proto(lesson: Lesson, binding: Binding, schedule: KeySchedule) -> Proto {
    Proto {
        lesson,
        binding,
        schedule,
        kex: Kex::X25519,
    }
}

/// `p` with Lesson 19's hybrid key exchange.
pub fn hybrid(p: Proto) -> Proto {
    Proto {
        kex: Kex::X25519MlKem768,
        ..p
    }
}

pub fn label(p: Proto) -> String {
    let lesson = match p.lesson {
        Lesson::Ten => "lesson10",
        Lesson::Eleven => "lesson11",
    };
    let kex = match p.kex {
        Kex::X25519 => String::new(),
        other => format!(" {other}"),
    };
    format!("{lesson} {} {}{kex}", p.binding, p.schedule)
}
