//! How an inquiry reached the desk (seed 004: inquiries by phone are kept with the
//! portal's, and the customer sees them in their history).

/// The channel a ticket came in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Channel {
    /// Filed by the customer on the portal.
    #[default]
    Web,
    /// Taken by staff on the phone and logged on the customer's behalf.
    Phone,
    /// Received by e-mail and logged by staff on the customer's behalf.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Web, Channel::Phone, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name people read, in `lang` (`ja` or otherwise English).
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "ja") {
            (Channel::Web, true) => "Web",
            (Channel::Web, false) => "Web",
            (Channel::Phone, true) => "電話",
            (Channel::Phone, false) => "Phone",
            (Channel::Email, true) => "メール",
            (Channel::Email, false) => "E-mail",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(Channel::Phone.label("ja"), "電話");
    }
}
