"""Every text a member reads, in English and Arabic, in one place.

Templates use bot.text's markup; {placeholders} are filled with escaped values. A missing
Arabic text falls back to English (the catalogue test lists any such gap).
"""

from __future__ import annotations

from typing import Final

DEFAULT: Final = "en"

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "talk_ack": (
            "I'm contacting a peer supporter for you now, and I'll tell you here as soon as "
            "someone is on their way.\n"
            "While you wait: are you somewhere safe to talk?\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "You can withdraw the request at any time with `!cancel`."
        ),
        "talk_nobody": (
            "I'm sorry: no peer supporter is on call right now{next_shift}. I've still told "
            "the team, and if someone becomes free they can pick up your request.\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "You can keep the request open, or withdraw it with `!cancel`."
        ),
        "next_shift": " (the next shift starts at {time})",
        "talk_gave_up": (
            "I'm sorry: no peer supporter has been able to answer yet. That isn't about you; "
            "everyone on the team is busy or away right now.\n"
            "If you are in immediate danger, please contact:\n{resources}\n"
            "Your request stays open and a supporter can still pick it up. If you'd rather "
            "not wait, send `!cancel`."
        ),
        "talk_still_open": (
            "Your request is still open and the supporters know about it. I'll tell you here "
            "as soon as someone accepts it. (`!cancel` withdraws it.)"
        ),
        "talk_in_session": "A peer supporter is already with you in your private room.",
        "talk_moved": "I've sent you a private message.",
        "accepted_member": (
            "{supporter} is here for you. I've invited you to a private, encrypted room: "
            "accept the invitation to start talking."
        ),
        "handoff_intro": (
            "Welcome. This private, end-to-end encrypted room is for you and {supporter}, "
            "a trained peer supporter.{leaving}"
        ),
        "handoff_leaving": " I'm leaving now, so only the two of you can read what is said here.",
        "cancelled": "Your request is withdrawn. You can ask again any time.",
        "nothing_to_cancel": "You have no open request.",
        "cancel_in_session": (
            "A supporter has already accepted your request; you can simply leave the private "
            "room whenever you want."
        ),
        "resource_none": "- your local emergency number",
    },
    "ar": {
        "talk_ack": (
            "أتواصل الآن مع أحد الداعمين من الأقران من أجلك، وسأخبرك هنا فور أن يكون أحدهم "
            "في طريقه إليك.\n"
            "وأثناء الانتظار: هل أنت في مكان آمن للحديث؟\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يمكنك سحب الطلب في أي وقت بإرسال `!cancel`."
        ),
        "talk_nobody": (
            "أنا آسف: لا يوجد داعم متاح الآن{next_shift}. ومع ذلك أبلغتُ الفريق، وإذا تفرّغ "
            "أحدهم يمكنه قبول طلبك.\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يمكنك إبقاء الطلب مفتوحًا، أو سحبه بإرسال `!cancel`."
        ),
        "next_shift": " (تبدأ المناوبة التالية الساعة {time})",
        "talk_gave_up": (
            "أنا آسف، لم يتمكن أي داعم من الرد حتى الآن. هذا ليس بسببك؛ كل أعضاء الفريق "
            "مشغولون أو غير متاحين الآن.\n"
            "إذا كنت في خطر مباشر، يُرجى التواصل مع:\n{resources}\n"
            "يبقى طلبك مفتوحًا ويمكن لأحد الداعمين قبوله لاحقًا. إذا كنت لا تريد الانتظار، "
            "أرسل `!cancel`."
        ),
        "talk_still_open": (
            "طلبك ما زال مفتوحًا والداعمون على علم به. سأخبرك هنا فور أن يقبله أحدهم. "
            "(لسحبه أرسل `!cancel`.)"
        ),
        "talk_in_session": "أحد الداعمين معك بالفعل في غرفتك الخاصة.",
        "talk_moved": "أرسلتُ إليك رسالة خاصة.",
        "accepted_member": (
            "{supporter} هنا من أجلك. دعوتُك إلى غرفة خاصة ومشفّرة: اقبل الدعوة لتبدأ الحديث."
        ),
        "handoff_intro": (
            "أهلًا بك. هذه غرفة خاصة ومشفّرة من طرف إلى طرف، لك ولـ{supporter} من فريق دعم "
            "الأقران.{leaving}"
        ),
        "handoff_leaving": " سأغادر الآن، فلا يقرأ ما يُكتب هنا سواكما.",
        "cancelled": "تم سحب طلبك. يمكنك الطلب مجددًا في أي وقت.",
        "nothing_to_cancel": "ليس لديك طلب مفتوح.",
        "cancel_in_session": (
            "لقد قبل أحد الداعمين طلبك بالفعل؛ يمكنك مغادرة الغرفة الخاصة متى شئت."
        ),
        "resource_none": "- رقم الطوارئ المحلي لديك",
    },
}


def text(language: str, key: str) -> str:
    return TEXTS.get(language, {}).get(key) or TEXTS[DEFAULT][key]
