//! What `cargo course` shares with the exercises' check binary: the lesson
//! binaries the finales run and their build, and the progress messages a
//! slow build prints. Standard library only.

pub mod lesson_binaries;
pub mod progress;
