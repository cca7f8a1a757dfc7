"""The wallet's words, Catalan first. (The full translation catalogue comes with the
wallet's own issue; these are the texts the mail links need.)"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "email_confirmed": {
        "ca": "Adreça confirmada. Gràcies!",
        "es": "Dirección confirmada. ¡Gracias!",
        "en": "Email confirmed. Thank you!",
    },
    "invalid_link": {
        "ca": "Aquest enllaç no és vàlid, ja s'ha fet servir o ha caducat.",
        "es": "Este enlace no es válido, ya se ha usado o ha caducado.",
        "en": "This link is invalid, already used or expired.",
    },
    "new_password": {"ca": "Contrasenya nova", "es": "Contraseña nueva", "en": "New password"},
    "save_password": {
        "ca": "Desa la contrasenya",
        "es": "Guardar la contraseña",
        "en": "Save the password",
    },
    "password_changed": {
        "ca": "Contrasenya canviada. Ja pots entrar amb la nova.",
        "es": "Contraseña cambiada. Ya puedes entrar con la nueva.",
        "en": "Password changed. You can sign in with the new one.",
    },
}


def text(language: str, key: str) -> str:
    options = TEXTS[key]
    return options.get(language) or options["en"]
