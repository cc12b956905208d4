//! Canned replies: ready texts per department that operators insert and
//! adjust. Placeholders are filled in the console from the open
//! conversation: `{{customer.name}}`, `{{order.id}}`, `{{operator.name}}`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// The department whose operators see it.
    pub department: String,
    /// A short name for the list.
    pub title: String,
    pub text: String,
}

/// The replies a fresh installation starts with, for the default departments.
pub fn defaults() -> Vec<CannedReply> {
    let reply = |department: &str, title: &str, text: &str| CannedReply {
        department: department.into(),
        title: title.into(),
        text: text.into(),
    };
    let mut replies = Vec::new();
    for department in ["marketplace", "travel", "bank"] {
        replies.push(reply(
            department,
            "Приветствие",
            "Здравствуйте, {{customer.name}}! Меня зовут {{operator.name}}, я помогу разобраться.",
        ));
    }
    replies.extend([
        reply(
            "marketplace",
            "Заказ в пути",
            "Заказ {{order.id}} уже в пути. Трек-номер и дата доставки — в разделе «Мои заказы».",
        ),
        reply(
            "travel",
            "Проверяем бронь",
            "Проверяю бронь {{order.id}}, это займёт пару минут. Пожалуйста, не закрывайте чат.",
        ),
        reply(
            "bank",
            "Никаких кодов",
            "{{customer.name}}, пожалуйста, никому не сообщайте коды из СМС и данные карты — даже нам.",
        ),
    ]);
    replies
}

/// The replies for operators of these departments.
pub fn for_departments<'a>(
    all: &'a [CannedReply],
    departments: &'a [String],
) -> impl Iterator<Item = &'a CannedReply> {
    all.iter().filter(|r| departments.contains(&r.department))
}
