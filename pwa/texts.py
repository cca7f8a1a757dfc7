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
    "invitation_intro": {
        "ca": "Entra amb el compte de l'adreça convidada per acceptar la invitació.",
        "es": "Entra con la cuenta de la dirección invitada para aceptar la invitación.",
        "en": "Sign in with the invited address's account to accept the invitation.",
    },
    "email": {"ca": "Correu electrònic", "es": "Correo electrónico", "en": "Email"},
    "password": {"ca": "Contrasenya", "es": "Contraseña", "en": "Password"},
    "totp": {
        "ca": "Codi de verificació (si el fas servir)",
        "es": "Código de verificación (si lo usas)",
        "en": "Two-factor code (if you use it)",
    },
    "accept_invitation": {
        "ca": "Accepta la invitació",
        "es": "Aceptar la invitación",
        "en": "Accept the invitation",
    },
    "invitation_accepted": {
        "ca": "Ja formes part de {account}.",
        "es": "Ya formas parte de {account}.",
        "en": "You are now a member of {account}.",
    },
    "order_missing": {
        "ca": "No hi ha cap ordre de pagament amb aquest enllaç.",
        "es": "No hay ninguna orden de pago con este enlace.",
        "en": "There is no payment order at this link.",
    },
    "order_REQUIRES_PAYMENT": {
        "ca": "Pendent de pagament",
        "es": "Pendiente de pago",
        "en": "Waiting for payment",
    },
    "order_SUCCEEDED": {"ca": "Pagada", "es": "Pagada", "en": "Paid"},
    "order_CANCELED": {"ca": "Cancel·lada", "es": "Cancelada", "en": "Canceled"},
    "order_EXPIRED": {"ca": "Caducada", "es": "Caducada", "en": "Expired"},
}


def text(language: str, key: str) -> str:
    options = TEXTS[key]
    return options.get(language) or options["en"]
