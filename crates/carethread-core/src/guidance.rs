//! Emergency guidance for a patient who writes in a language CareThread does
//! not triage. Triage reads English and Spanish; a message in another language
//! goes to clinical staff with an interpreter flag, and the patient is shown,
//! in their own language, what to do if it is an emergency: call 911, do not
//! wait for a reply, 988 for thoughts of suicide, ask for an interpreter.
//!
//! The texts are fixed (no translation at run time), one per language most
//! often spoken by US patients with limited English after Spanish, and each
//! says the same as the English text below, sentence for sentence.

/// What a patient is told about emergencies, in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmergencyGuidance {
    /// BCP 47 tag, for the page's `lang` attribute.
    pub tag: &'static str,
    /// The language's name in English, as triage names it for staff.
    pub english_name: &'static str,
    /// The language's own name for itself.
    pub native_name: &'static str,
    /// Right to left (Arabic).
    pub rtl: bool,
    /// A short heading.
    pub heading: &'static str,
    /// The guidance itself.
    pub text: &'static str,
}

/// The English text every translation renders.
pub const ENGLISH: EmergencyGuidance = EmergencyGuidance {
    tag: "en",
    english_name: "English",
    native_name: "English",
    rtl: false,
    heading: "If this is an emergency, call 911",
    text: "If this is an emergency, call 911 now or go to the nearest emergency room. Do not wait for a reply \
           to this message. If you are thinking about suicide or hurting yourself, call or text 988. You can ask \
           for an interpreter when you call. Your care team has been told that you need an interpreter.",
};

/// Every language with a fixed text, in the order the patient's page lists them.
pub const ALL: &[EmergencyGuidance] = &[
    EmergencyGuidance {
        tag: "zh-Hans",
        english_name: "Chinese",
        native_name: "中文",
        rtl: false,
        heading: "如果这是紧急情况，请拨打 911",
        text: "如果这是紧急情况，请立即拨打 911 或前往最近的急诊室。不要等待对此消息的回复。\
               如果您有自杀或伤害自己的想法，请拨打或发短信至 988。打电话时您可以要求口译员。\
               您的医疗团队已被告知您需要口译员。",
    },
    EmergencyGuidance {
        tag: "vi",
        english_name: "Vietnamese",
        native_name: "Tiếng Việt",
        rtl: false,
        heading: "Nếu đây là trường hợp khẩn cấp, hãy gọi 911",
        text: "Nếu đây là trường hợp khẩn cấp, hãy gọi 911 ngay hoặc đến phòng cấp cứu gần nhất. Đừng chờ trả lời \
               cho tin nhắn này. Nếu quý vị có ý nghĩ tự tử hoặc tự làm hại bản thân, hãy gọi hoặc nhắn tin đến số \
               988. Quý vị có thể yêu cầu thông dịch viên khi gọi. Nhóm chăm sóc của quý vị đã được thông báo rằng \
               quý vị cần thông dịch viên.",
    },
    EmergencyGuidance {
        tag: "tl",
        english_name: "Tagalog",
        native_name: "Tagalog",
        rtl: false,
        heading: "Kung ito ay emergency, tumawag sa 911",
        text: "Kung ito ay emergency, tumawag agad sa 911 o pumunta sa pinakamalapit na emergency room. Huwag nang \
               hintayin ang sagot sa mensaheng ito. Kung naiisip mong magpakamatay o saktan ang iyong sarili, \
               tumawag o mag-text sa 988. Maaari kang humingi ng interpreter kapag tumawag ka. Alam na ng iyong care \
               team na kailangan mo ng interpreter.",
    },
    EmergencyGuidance {
        tag: "ar",
        english_name: "Arabic",
        native_name: "العربية",
        rtl: true,
        heading: "إذا كانت هذه حالة طارئة، اتصل بالرقم 911",
        text: "إذا كانت هذه حالة طارئة، اتصل بالرقم 911 فورًا أو توجّه إلى أقرب قسم للطوارئ. لا تنتظر الرد على هذه \
               الرسالة. إذا كانت لديك أفكار بالانتحار أو بإيذاء نفسك، اتصل أو أرسل رسالة نصية إلى الرقم 988. يمكنك طلب \
               مترجم فوري عند الاتصال. تم إبلاغ فريق الرعاية الخاص بك بأنك تحتاج إلى مترجم فوري.",
    },
    EmergencyGuidance {
        tag: "ko",
        english_name: "Korean",
        native_name: "한국어",
        rtl: false,
        heading: "응급 상황이라면 911에 전화하십시오",
        text: "응급 상황이라면 지금 바로 911에 전화하거나 가장 가까운 응급실로 가십시오. 이 메시지에 대한 답장을 \
               기다리지 마십시오. 자살이나 자해에 대한 생각이 든다면 988에 전화하거나 문자를 보내십시오. 전화할 때 \
               통역사를 요청할 수 있습니다. 귀하의 진료팀은 귀하에게 통역사가 필요하다는 것을 전달받았습니다.",
    },
    EmergencyGuidance {
        tag: "ru",
        english_name: "Russian",
        native_name: "Русский",
        rtl: false,
        heading: "Если это неотложная ситуация, звоните 911",
        text: "Если это неотложная ситуация, немедленно позвоните по номеру 911 или обратитесь в ближайшее \
               отделение неотложной помощи. Не ждите ответа на это сообщение. Если у вас есть мысли о самоубийстве \
               или о причинении себе вреда, позвоните или отправьте сообщение на номер 988. При звонке вы можете \
               попросить переводчика. Вашей медицинской команде сообщили, что вам нужен переводчик.",
    },
    EmergencyGuidance {
        tag: "ht",
        english_name: "Haitian Creole",
        native_name: "Kreyòl ayisyen",
        rtl: false,
        heading: "Si se yon ijans, rele 911",
        text: "Si se yon ijans, rele 911 kounye a oswa ale nan sal ijans ki pi pre a. Pa tann yon repons pou mesaj \
               sa a. Si w ap panse pou w touye tèt ou oswa pou w fè tèt ou mal, rele oswa voye yon tèks bay 988. Ou \
               ka mande yon entèprèt lè w rele. Yo di ekip swen ou a ou bezwen yon entèprèt.",
    },
    EmergencyGuidance {
        tag: "pt",
        english_name: "Portuguese",
        native_name: "Português",
        rtl: false,
        heading: "Se for uma emergência, ligue para o 911",
        text: "Se for uma emergência, ligue para o 911 agora ou vá ao pronto-socorro mais próximo. Não espere por \
               uma resposta a esta mensagem. Se você estiver pensando em suicídio ou em se machucar, ligue ou envie \
               uma mensagem de texto para o 988. Você pode pedir um intérprete ao ligar. Sua equipe de saúde foi \
               informada de que você precisa de um intérprete.",
    },
    EmergencyGuidance {
        tag: "fr",
        english_name: "French",
        native_name: "Français",
        rtl: false,
        heading: "S'il s'agit d'une urgence, appelez le 911",
        text: "S'il s'agit d'une urgence, appelez immédiatement le 911 ou rendez-vous au service des urgences le \
               plus proche. N'attendez pas de réponse à ce message. Si vous pensez au suicide ou à vous faire du mal, \
               appelez le 988 ou envoyez-lui un SMS. Vous pouvez demander un interprète lors de l'appel. Votre \
               équipe soignante a été informée que vous avez besoin d'un interprète.",
    },
];

/// Other English names language detection gives for the same languages.
const ALIASES: &[(&str, &str)] = &[("Mandarin", "zh-Hans"), ("Haitian", "ht"), ("Filipino", "tl")];

/// The guidance for a language triage named (its English name, as in a
/// triage result's `interpreter`, possibly followed by a note such as
/// "(or another language in Cyrillic script)") or for a BCP 47 tag.
/// `None` when there is no fixed text for it: the patient then gets the
/// English text and the list of every language's.
#[must_use]
pub fn for_language(name_or_tag: &str) -> Option<&'static EmergencyGuidance> {
    let wanted = name_or_tag.split(" (").next().unwrap_or_default().trim();
    let tag = ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(wanted)).map_or(wanted, |(_, tag)| *tag);
    ALL.iter().find(|g| {
        g.english_name.eq_ignore_ascii_case(wanted)
            || g.tag.eq_ignore_ascii_case(tag)
            || g.tag.split('-').next().is_some_and(|primary| primary.eq_ignore_ascii_case(tag))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nine_languages_each_have_one_text() {
        let names: Vec<_> = ALL.iter().map(|g| g.english_name).collect();
        assert_eq!(
            names,
            [
                "Chinese",
                "Vietnamese",
                "Tagalog",
                "Arabic",
                "Korean",
                "Russian",
                "Haitian Creole",
                "Portuguese",
                "French"
            ]
        );
        let mut tags: Vec<_> = ALL.iter().map(|g| g.tag).collect();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), ALL.len());
    }

    #[test]
    fn every_text_gives_911_and_988_and_no_reply_time() {
        for g in ALL.iter().chain([&ENGLISH]) {
            assert!(g.text.contains("911") && g.text.contains("988"), "{}", g.english_name);
            assert!(g.heading.contains("911"), "{}", g.english_name);
            // 911 comes first: the emergency before the crisis line.
            assert!(g.text.find("911") < g.text.find("988"), "{}", g.english_name);
            // Written in its own language, not English left untranslated
            // (Tagalog borrows "emergency room", as Filipino speakers do).
            if g.tag != "en" {
                assert!(!g.text.contains("Do not wait") && !g.text.contains("If this is"), "{}", g.english_name);
            }
        }
    }

    #[test]
    fn the_names_triage_gives_find_their_text() {
        assert_eq!(for_language("Mandarin").map(|g| g.tag), Some("zh-Hans"));
        assert_eq!(for_language("Russian (or another language in Cyrillic script)").map(|g| g.tag), Some("ru"));
        assert_eq!(for_language("Vietnamese").map(|g| g.tag), Some("vi"));
        assert_eq!(for_language("ht").map(|g| g.english_name), Some("Haitian Creole"));
        assert_eq!(for_language("zh").map(|g| g.english_name), Some("Chinese"));
        assert_eq!(for_language("Arabic").map(|g| g.rtl), Some(true));
        assert_eq!(for_language("Hindi"), None);
        assert_eq!(for_language(""), None);
    }
}
