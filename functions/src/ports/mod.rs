//! The ports: what the use cases need from the outside world, as object-safe traits.
//! The embedded adapters (SQLite, files, an outbox folder) and the AWS ones (DynamoDB,
//! S3, SES) implement them completely; one conformance suite checks both.

pub mod blobs;
pub mod clock;
pub mod mailer;
pub mod search;
pub mod store;

pub use blobs::{Blob, BlobError, BlobKey, Blobs, ByteStream};
pub use clock::{Clock, FixedClock, SystemClock};
pub use mailer::{Mailer, SendError};
pub use search::{SearchQuery, SearchStore};
pub use store::{
    ArticleRecord, AttachmentRecord, Counts, HistoryRecord, ListFilter, ListQuery, NewTicket,
    OutboxMail, OutboxStore, Page, Scope, SequenceStore, Store, StoreError, TicketRecord,
    TicketStore, TicketUpdate, UploadRecord, UploadStore,
};
pub use store::{
    ContractRecord, ContractStore, NewUser, OneTimeTokenRecord, OneTimeTokenStore, TokenPurpose,
};
