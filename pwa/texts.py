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
    "order_qr": {
        "ca": "Codi QR d'aquest pagament",
        "es": "Código QR de este pago",
        "en": "QR code of this payment",
    },
    "sign_in_to_pay": {
        "ca": "Entra al moneder per pagar.",
        "es": "Entra en el monedero para pagar.",
        "en": "Sign in to your wallet to pay.",
    },
    "sign_in": {"ca": "Entra", "es": "Entrar", "en": "Sign in"},
    "pay_from": {
        "ca": "Pagues des de: {account}",
        "es": "Pagas desde: {account}",
        "en": "Paying from: {account}",
    },
    "balance": {"ca": "Saldo", "es": "Saldo", "en": "Balance"},
    "pin": {"ca": "PIN de pagament", "es": "PIN de pago", "en": "Payment PIN"},
    "pay_amount": {"ca": "Paga {amount}", "es": "Pagar {amount}", "en": "Pay {amount}"},
    "paying": {"ca": "Pagant…", "es": "Pagando…", "en": "Paying…"},
    "order_paid_receipt": {
        "ca": "Pagament fet. Tornes a la botiga…",
        "es": "Pago hecho. Vuelves a la tienda…",
        "en": "Paid. Taking you back to the shop…",
    },
    "return_to_shop": {
        "ca": "Torna a la botiga",
        "es": "Volver a la tienda",
        "en": "Back to the shop",
    },
    "cancel_and_return": {
        "ca": "No paguis i torna a la botiga",
        "es": "No pagar y volver a la tienda",
        "en": "Don't pay, back to the shop",
    },
    "buy_title": {"ca": "Compra {currency}", "es": "Compra {currency}", "en": "Buy {currency}"},
    "buy_intro": {
        "ca": "Paga amb targeta: 1 {currency} = 1 €. Mínim {minimum}.",
        "es": "Paga con tarjeta: 1 {currency} = 1 €. Mínimo {minimum}.",
        "en": "Pay by card: 1 {currency} = 1 €. At least {minimum}.",
    },
    "buy_amount": {"ca": "Import", "es": "Importe", "en": "Amount"},
    "buy_submit": {"ca": "Continua al pagament", "es": "Continuar al pago", "en": "Go to payment"},
    "buy_going": {"ca": "Un moment…", "es": "Un momento…", "en": "One moment…"},
    "sign_in_to_buy": {
        "ca": "Entra al moneder per comprar.",
        "es": "Entra en el monedero para comprar.",
        "en": "Sign in to your wallet to buy.",
    },
    "topup_PENDING": {
        "ca": "Esperant la confirmació del banc…",
        "es": "Esperando la confirmación del banco…",
        "en": "Waiting for the bank's confirmation…",
    },
    "topup_SUCCEEDED": {
        "ca": "Fet: {amount} al teu moneder.",
        "es": "Hecho: {amount} en tu monedero.",
        "en": "Done: {amount} in your wallet.",
    },
    "topup_FAILED": {
        "ca": "El pagament no s'ha fet. No s'ha cobrat res.",
        "es": "El pago no se ha hecho. No se ha cobrado nada.",
        "en": "The payment was not made. Nothing was charged.",
    },
    "topup_EXPIRED": {
        "ca": "El pagament no s'ha completat a temps. No s'ha cobrat res.",
        "es": "El pago no se completó a tiempo. No se ha cobrado nada.",
        "en": "The payment was not completed in time. Nothing was charged.",
    },
    "topup_missing": {
        "ca": "No trobem aquesta compra.",
        "es": "No encontramos esta compra.",
        "en": "We cannot find this purchase.",
    },
    "buy_again": {"ca": "Compra'n més", "es": "Comprar más", "en": "Buy more"},
    "welcome_intro": {
        "ca": "El teu moneder: paga i cobra al barri.",
        "es": "Tu monedero: paga y cobra en el barrio.",
        "en": "Your wallet: pay and get paid in your neighbourhood.",
    },
    "no_account_yet": {
        "ca": "Encara no tens compte?",
        "es": "¿Todavía no tienes cuenta?",
        "en": "No account yet?",
    },
    "create_account": {"ca": "Crea un compte", "es": "Crear una cuenta", "en": "Create an account"},
    "your_name": {"ca": "Nom i cognoms", "es": "Nombre y apellidos", "en": "Full name"},
    "language": {"ca": "Idioma", "es": "Idioma", "en": "Language"},
    "registered": {
        "ca": "Compte creat. T'hem enviat un correu per confirmar l'adreça. Ja pots entrar.",
        "es": "Cuenta creada. Te hemos enviado un correo para confirmar la dirección. Ya puedes entrar.",
        "en": "Account created. We sent you an email to confirm the address. You can sign in now.",
    },
    "hello": {"ca": "Hola, {name}", "es": "Hola, {name}", "en": "Hello, {name}"},
    "recent_activity": {
        "ca": "Moviments recents",
        "es": "Movimientos recientes",
        "en": "Recent activity",
    },
    "no_activity": {
        "ca": "Encara no hi ha moviments.",
        "es": "Todavía no hay movimientos.",
        "en": "Nothing here yet.",
    },
    "nav_buy": {"ca": "Compra", "es": "Comprar", "en": "Buy"},
    "sign_out": {"ca": "Surt", "es": "Salir", "en": "Sign out"},
    "from_party": {"ca": "De {name}", "es": "De {name}", "en": "From {name}"},
    "to_party": {"ca": "A {name}", "es": "A {name}", "en": "To {name}"},
    "kind_TOPUP": {"ca": "Recàrrega", "es": "Recarga", "en": "Top-up"},
    "kind_PAYMENT": {"ca": "Pagament", "es": "Pago", "en": "Payment"},
    "kind_REFUND": {"ca": "Devolució", "es": "Devolución", "en": "Refund"},
    "kind_REDEMPTION": {"ca": "Reemborsament", "es": "Reembolso", "en": "Cash-out"},
    "kind_BONUS": {"ca": "Bonificació", "es": "Bonificación", "en": "Bonus"},
    "kind_ADJUSTMENT": {"ca": "Ajust", "es": "Ajuste", "en": "Adjustment"},
}

# Errors of a top-up, where the payment words below would mislead.
TOP_UP_PROBLEMS: dict[str, dict[str, str]] = {
    "INVALID_AMOUNT": {
        "ca": "Posa un import d'almenys {minimum}, amb dos decimals com a màxim.",
        "es": "Pon un importe de al menos {minimum}, con dos decimales como máximo.",
        "en": "Enter at least {minimum}, with at most two decimals.",
    },
    "LIMIT_EXCEEDED": {
        "ca": "Aquest import supera el límit del teu nivell de verificació.",
        "es": "Este importe supera el límite de tu nivel de verificación.",
        "en": "This amount is over your verification level's limit.",
    },
    "KYC_REQUIRED": {
        "ca": "Verifica la teva identitat al perfil abans de comprar.",
        "es": "Verifica tu identidad en el perfil antes de comprar.",
        "en": "Verify your identity in your profile before buying.",
    },
}

# What the API's error codes mean, for the person who caused them.
PROBLEMS: dict[str, dict[str, str]] = {
    "EMAIL_TAKEN": {
        "ca": "Ja hi ha un compte amb aquest correu.",
        "es": "Ya hay una cuenta con este correo.",
        "en": "There is already an account with this email.",
    },
    "WRONG_PIN": {
        "ca": "El PIN no és correcte.",
        "es": "El PIN no es correcto.",
        "en": "Wrong PIN.",
    },
    "PIN_LOCKED": {
        "ca": "PIN bloquejat després de tres intents: posa'n un de nou al perfil.",
        "es": "PIN bloqueado tras tres intentos: pon uno nuevo en el perfil.",
        "en": "PIN locked after three tries: set a new one in your profile.",
    },
    "INSUFFICIENT_FUNDS": {
        "ca": "No tens prou saldo.",
        "es": "No tienes saldo suficiente.",
        "en": "Not enough balance.",
    },
    "LIMIT_EXCEEDED": {
        "ca": "Aquest pagament supera el teu límit.",
        "es": "Este pago supera tu límite.",
        "en": "This payment is over your limit.",
    },
    "KYC_REQUIRED": {
        "ca": "Cal verificar la teva identitat per pagar això.",
        "es": "Hay que verificar tu identidad para pagar esto.",
        "en": "Your identity must be verified to pay this.",
    },
    "ORDER_NOT_PAYABLE": {
        "ca": "Aquesta ordre ja no es pot pagar.",
        "es": "Esta orden ya no se puede pagar.",
        "en": "This order can no longer be paid.",
    },
    "FORBIDDEN": {
        "ca": "Des d'aquest compte no pots pagar.",
        "es": "Desde esta cuenta no puedes pagar.",
        "en": "You cannot pay from this account.",
    },
    "INVALID_CREDENTIALS": {
        "ca": "Correu o contrasenya incorrectes.",
        "es": "Correo o contraseña incorrectos.",
        "en": "Wrong email or password.",
    },
    "TWO_FACTOR_REQUIRED": {
        "ca": "Escriu el codi de la teva aplicació de verificació.",
        "es": "Escribe el código de tu aplicación de verificación.",
        "en": "Enter the code from your authenticator app.",
    },
    "WRONG_TOTP": {
        "ca": "Codi incorrecte o ja utilitzat.",
        "es": "Código incorrecto o ya usado.",
        "en": "Wrong or already used code.",
    },
    "TOO_MANY_ATTEMPTS": {
        "ca": "Massa intents: espera una mica.",
        "es": "Demasiados intentos: espera un poco.",
        "en": "Too many attempts: wait a moment.",
    },
    "UNAVAILABLE": {
        "ca": "No s'ha pogut connectar. Torna-ho a provar: no es cobrarà dues vegades.",
        "es": "No se ha podido conectar. Vuelve a intentarlo: no se cobrará dos veces.",
        "en": "Could not connect. Try again: you will not be charged twice.",
    },
}


def text(language: str, key: str) -> str:
    options = TEXTS[key]
    return options.get(language) or options["en"]


def problem_text(language: str, code: str, message: str) -> str:
    """An API error in the person's language; the API's own message when we have none."""
    options = PROBLEMS.get(code)
    if options is None:
        return message or code
    return options.get(language) or options["en"]
