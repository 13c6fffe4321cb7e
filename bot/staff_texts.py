"""The team's controls (on call, shifts, sessions, status, config reloads), in English and
Arabic; merged into bot.catalogue's TEXTS, so organizers can override them the same way."""

from __future__ import annotations

from typing import Final

STAFF_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "weekdays": "Mon Tue Wed Thu Fri Sat Sun",
        "help_oncall": "go on or off call until your next shift change (or `!oncall off 2h`)",
        "help_shift": "who is on call now, and when the next shift starts",
        "help_sessions": "your open sessions (organizers: `!sessions all`)",
        "help_status": "figures for the line: open requests, on call, this week",
        "help_reload": "apply the config file now",
        "oncall_now_on": "{who} is **on call** {until}.",
        "oncall_now_off": "{who} is **off call** {until}.",
        "oncall_until": "until {time} (manual; then the shifts apply again)",
        "oncall_by_shifts": "by the shifts",
        "oncall_no_shifts": "until {time} (manual, for a day at most: there are no shifts)",
        "oncall_open.one": "There is 1 open request: `!queue` lists it.",
        "oncall_open.other": "There are {n} open requests: `!queue` lists them.",
        "oncall_only_self": (
            "Supporters can change only their own on-call status; organizers can change anyone's."
        ),
        "oncall_who": "I don't know a supporter called {name}. Use their name or Matrix ID.",
        "oncall_name_one": "Organizers: name the supporter, e.g. `!oncall Sam off 2h`.",
        "oncall_too_long": "An override can last at most 7 days.",
        "shift_on_title": "On call now:",
        "shift_on_line": "- {name} (tier {tier}){manual}",
        "shift_manual": " · manual until {time}",
        "shift_nobody": "Nobody is on call now.",
        "shift_next": "Next shift: {name} at {time}.",
        "shift_none": "Nobody else has a shift starting within the next week.",
        "sessions_none": "You have no open sessions.",
        "sessions_title": "Open sessions:",
        "sessions_line": "- **{id}** · {language} · {supporter} · for {age} · expires in {left}",
        "status_title": "**Status** ({time}); figures only",
        "status_open": "Open requests: {open} ({told} told nobody is free)",
        "status_on_call": "On call now: {tier1} in tier 1, {tier2} in tier 2",
        "status_sessions": "Open sessions: {sessions}",
        "status_period": (
            "{label}: {requests} · {accepts} accepted · {escalations} · {give_ups} gave up · "
            "median time to accept {median}"
        ),
        "requests.one": "{n} request",
        "requests.other": "{n} requests",
        "escalations.one": "{n} escalation",
        "escalations.other": "{n} escalations",
        "minutes.one": "{n} min",
        "minutes.other": "{n} min",
        "list_separator": ", ",
        "mentions_on_call": "On call: {names}.",
        "mentions_organizers": "Organizers: {names}.",
        "status_today": "Today",
        "status_week": "This week (since Monday)",
        "status_no_median": "–",
        "duration_s": "{n} s",
        "duration_h": "{n} h",
        "reload_applied": "✅ I applied the edited config ({file}). Changed: {changed}.",
        "reload_supporters": " Supporters: {changes}.",
        "reload_invalid": (
            "⚠️ I did not apply the edit to {file}: I'm still running the last good version.\n"
            "{problems}"
        ),
        "reload_restart": (
            "⚠️ I did not apply the edit to {file}: these changes need a restart of warmline, "
            "so the whole edit waits (I'm still running the last good version). Revert them "
            "to apply the rest now, or restart.\n{problems}"
        ),
        "reload_unchanged": "The config file has not changed since I last read it.",
    },
    "ar": {
        "weekdays": "الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد",
        "help_oncall": "بدء المناوبة أو إنهاؤها حتى تغيّر مناوبتك التالي (أو `!oncall off 2h`)",
        "help_shift": "من في المناوبة الآن، ومتى تبدأ المناوبة التالية",
        "help_sessions": "جلساتك المفتوحة (للمنظّمين: `!sessions all`)",
        "help_status": "أرقام الخط: الطلبات المفتوحة، المناوبون، هذا الأسبوع",
        "help_reload": "تطبيق ملف الإعدادات الآن",
        "oncall_now_on": "{who} **في المناوبة** {until}.",
        "oncall_now_off": "{who} **خارج المناوبة** {until}.",
        "oncall_until": "حتى {time} (يدويًا؛ ثم تُطبَّق المناوبات من جديد)",
        "oncall_by_shifts": "حسب جدول المناوبات",
        "oncall_no_shifts": "حتى {time} (يدويًا، ليوم واحد على الأكثر: لا توجد مناوبات)",
        "oncall_open.zero": "لا توجد طلبات مفتوحة.",
        "oncall_open.one": "يوجد طلب مفتوح واحد: يعرضه `!queue`.",
        "oncall_open.two": "يوجد طلبان مفتوحان: يعرضهما `!queue`.",
        "oncall_open.few": "توجد {n} طلبات مفتوحة: يعرضها `!queue`.",
        "oncall_open.many": "يوجد {n} طلبًا مفتوحًا: يعرضها `!queue`.",
        "oncall_open.other": "يوجد {n} طلب مفتوح: يعرضها `!queue`.",
        "oncall_only_self": (
            "يمكن للداعمين تغيير حالة مناوبتهم فقط؛ ويمكن للمنظّمين تغيير حالة أي أحد."
        ),
        "oncall_who": "لا أعرف داعمًا باسم {name}. استخدم اسمه أو معرّف Matrix الخاص به.",
        "oncall_name_one": "للمنظّمين: اذكروا اسم الداعم، مثل `!oncall Sam off 2h`.",
        "oncall_too_long": "لا يمكن أن يدوم التجاوز اليدوي أكثر من 7 أيام.",
        "shift_on_title": "في المناوبة الآن:",
        "shift_on_line": "- {name} (المستوى {tier}){manual}",
        "shift_manual": " · يدويًا حتى {time}",
        "shift_nobody": "لا أحد في المناوبة الآن.",
        "shift_next": "المناوبة التالية: {name} الساعة {time}.",
        "shift_none": "لا تبدأ مناوبة لأي شخص آخر خلال الأسبوع القادم.",
        "sessions_none": "ليست لديك جلسات مفتوحة.",
        "sessions_title": "الجلسات المفتوحة:",
        "sessions_line": "- **{id}** · {language} · {supporter} · منذ {age} · تنتهي بعد {left}",
        "status_title": "**الحالة** ({time})؛ أرقام فقط",
        "status_open": "الطلبات المفتوحة: {open} (أُبلغ أصحابها بعدم توفر أحد: {told})",
        "status_on_call": "في المناوبة الآن: {tier1} في المستوى 1، و{tier2} في المستوى 2",
        "status_sessions": "الجلسات المفتوحة: {sessions}",
        "status_period": (
            "{label}: {requests} · المقبولة: {accepts} · {escalations} · بلا داعم: {give_ups} · "
            "الوقت الوسيط حتى القبول {median}"
        ),
        "requests.zero": "{n} طلب",
        "requests.one": "طلب واحد",
        "requests.two": "طلبان",
        "requests.few": "{n} طلبات",
        "requests.many": "{n} طلبًا",
        "requests.other": "{n} طلب",
        "escalations.zero": "{n} تصعيد",
        "escalations.one": "تصعيد واحد",
        "escalations.two": "تصعيدان",
        "escalations.few": "{n} تصعيدات",
        "escalations.many": "{n} تصعيدًا",
        "escalations.other": "{n} تصعيد",
        "minutes.zero": "{n} دقيقة",
        "minutes.one": "دقيقة واحدة",
        "minutes.two": "دقيقتان",
        "minutes.few": "{n} دقائق",
        "minutes.many": "{n} دقيقة",
        "minutes.other": "{n} دقيقة",
        "list_separator": "، ",
        "mentions_on_call": "في المناوبة: {names}.",
        "mentions_organizers": "المنظّمون: {names}.",
        "status_today": "اليوم",
        "status_week": "هذا الأسبوع (منذ الاثنين)",
        "status_no_median": "– لا يوجد",
        "duration_s": "{n} ث",
        "duration_h": "{n} س",
        "reload_applied": "✅ طبّقتُ الإعدادات المعدّلة ({file}). تغيّر: {changed}.",
        "reload_supporters": " الداعمون: {changes}.",
        "reload_invalid": (
            "⚠️ لم أطبّق التعديل على {file}: ما زلت أعمل بآخر نسخة سليمة.\n{problems}"
        ),
        "reload_restart": (
            "⚠️ لم أطبّق التعديل على {file}: هذه التغييرات تتطلب إعادة تشغيل warmline، لذا "
            "ينتظر التعديل كله (ما زلت أعمل بآخر نسخة سليمة). تراجعوا عنها لتطبيق الباقي الآن، "
            "أو أعيدوا التشغيل.\n{problems}"
        ),
        "reload_unchanged": "لم يتغيّر ملف الإعدادات منذ آخر قراءة له.",
    },
}
