//! A customer telling that someone contacted them as «support» elsewhere: a
//! call, an SMS, a messenger. Official support writes only in the logged-in
//! app and never asks for codes, so the bot answers with that rule.

use crate::pattern::Pattern;
use std::sync::LazyLock;

/// Someone reached the customer: a call, a message, an SMS.
static CONTACTED: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\b(?:по)?звони(?:л|ла|ли|т|ят)\b|\bзвонок\b|\bнаписал[аи]?\b|\bпишут\b|\bпишет\b|\bприслал[аи]?\b",
        r"|\bсвязал(?:ся|ась|ись)\b|\bпришл[аои]? смс|\bполучил[аи]? смс|\bв личку\b|\bв директ|\bпо телефону\b",
        r"|\b(?:сообщени\w*|смс|sms|письмо) (?:от|из)\b",
        r"|\b(?:called|texted|messaged|contacted|rang)\b|\b(?:got|had|received) an? (?:\w+ )?(?:call|message|text|sms)\b",
    ))
});

/// Who they said they were: support, the company, its security service.
static POSED_AS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)поддержк|служб\w* безопасност|\bбезопасност\w*|\bоператор\w*|\bспециалист\w*|колл-?центр|\bтехподдержк",
        r"|\bваш(?:его|ей|и|а)? (?:менеджер|сотрудник|оператор|специалист)\w*|\bсотрудник\w* (?:банка|поддержки|компании)",
        r"|\bот (?:вашего |их )?имени\b|\bякобы\b|\bпредставил\w*|\bиз (?:вашего )?банка\b|\bот банка\b",
        r"|\bэто (?:правда |точно )?(?:вы|ваши|от вас)\b",
        r"|\bsupport\b|customer service|\bsecurity\b|bank employee|\bclaiming\b|said (?:he|she|they) (?:was|were)|from (?:the|your) bank",
    ))
});

/// The customer themselves called or wrote to support.
static THEY_REACHED_US: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\bя (?:вам |им )?(?:звонил|звонила|писал|писала|написал|написала|обращал\w*)\b",
        r"|\b(?:написал[аи]?|писал[аи]?|звонил[аи]?|обращал\w*) (?:в|на) (?:поддержк|горяч|колл)",
        r"|\bI (?:contacted|called|wrote|messaged|texted)\b",
    ))
});

/// Whether `text` tells that someone posing as support, the company or its
/// security service contacted the customer outside this chat.
pub fn reports_impostor_contact(text: &str) -> bool {
    CONTACTED.is_match(text) && POSED_AS.is_match(text) && !THEY_REACHED_US.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::reports_impostor_contact;

    #[test]
    fn a_call_from_support_is_reported_and_a_call_from_the_courier_is_not() {
        assert!(reports_impostor_contact(
            "Мне звонили из службы безопасности и просили код"
        ));
        assert!(!reports_impostor_contact(
            "Курьер позвонил, будет через час"
        ));
        assert!(!reports_impostor_contact("Я писала в поддержку вчера"));
    }
}
