//! Press, investors and partners are not customers: the bot recognises
//! their requests (`hotline_search::recognize_contact_request`) and answers
//! with the company's address for them (`[contacts]` in `hotline.toml`),
//! so that nothing waits in a support queue. A kind without an address is
//! not recognised: its requests go to support as any other.

use hotline_search::{ContactRequest, recognize_contact_request};
use serde::{Deserialize, Serialize};

/// The company's addresses (an e-mail, a page, a phone) for those who are
/// not customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Contacts {
    /// For journalists: the press office.
    pub press: Option<String>,
    /// For shareholders and investors: investor relations.
    pub investors: Option<String>,
    /// For proposals of partnership, advertising and supply.
    pub partners: Option<String>,
}

/// A request recognised as not for support, with the address that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub kind: ContactRequest,
    pub address: String,
}

impl Contacts {
    pub fn address(&self, kind: ContactRequest) -> Option<&str> {
        let address = match kind {
            ContactRequest::Press => &self.press,
            ContactRequest::Investors => &self.investors,
            ContactRequest::Partners => &self.partners,
        };
        address.as_deref().map(str::trim).filter(|a| !a.is_empty())
    }

    /// Where `text` (a first message) should have gone instead of support.
    pub fn redirect(&self, text: &str) -> Option<Redirect> {
        let kind = recognize_contact_request(text)?;
        let address = self.address(kind)?.to_owned();
        Some(Redirect { kind, address })
    }
}

impl Redirect {
    /// The bot's answer, in English when the request was written in English.
    pub fn answer(&self, request: &str) -> String {
        let latin = request.chars().filter(char::is_ascii_alphabetic).count();
        let cyrillic = request
            .chars()
            .filter(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
            .count();
        let address = &self.address;
        if latin > cyrillic {
            let whom = match self.kind {
                ContactRequest::Press => "Press enquiries are answered by our press office",
                ContactRequest::Investors => {
                    "Investor enquiries are answered by investor relations"
                }
                ContactRequest::Partners => {
                    "Partnership proposals are handled by our partnerships team"
                }
            };
            format!(
                "{whom}: {address}. This chat is for customers' questions; if you are a customer \
                 with a question about your orders or services, press «Позвать оператора» (Call an operator)."
            )
        } else {
            let whom = match self.kind {
                ContactRequest::Press => "На запросы СМИ отвечает пресс-служба",
                ContactRequest::Investors => {
                    "На вопросы акционеров и инвесторов отвечает отдел по работе с инвесторами"
                }
                ContactRequest::Partners => {
                    "Предложения о сотрудничестве рассматривает отдел партнёрств"
                }
            };
            format!(
                "{whom}: {address}. Этот чат — для вопросов клиентов; если вы наш клиент и вопрос \
                 о ваших заказах или услугах, нажмите «Позвать оператора»."
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts() -> Contacts {
        Contacts {
            press: Some("press@example.com".into()),
            investors: Some(" ".into()),
            partners: None,
        }
    }

    #[test]
    fn only_kinds_with_an_address_are_redirected() {
        let press = contacts()
            .redirect("Я журналист, нужен комментарий")
            .unwrap();
        assert_eq!(press.kind, ContactRequest::Press);
        assert_eq!(press.address, "press@example.com");
        assert_eq!(
            contacts().redirect("Контакты для акционеров"),
            None,
            "blank address"
        );
        assert_eq!(
            contacts().redirect("Предлагаем сотрудничество"),
            None,
            "no address"
        );
        assert_eq!(contacts().redirect("где мой заказ"), None);
    }

    #[test]
    fn the_answer_names_the_address_in_the_request_s_language() {
        let press = contacts().redirect("press contact please").unwrap();
        let english = press.answer("press contact please");
        assert!(english.starts_with("Press enquiries"), "{english}");
        assert!(english.contains("press@example.com"));
        let russian = press.answer("нужна пресс-служба");
        assert!(
            russian.contains("пресс-служба: press@example.com"),
            "{russian}"
        );
        assert!(russian.contains("Позвать оператора"));
    }
}
