"""The wallet's words, Catalan first. (The full translation catalogue comes with the
wallet's own issue; these are the texts the mail links need.)"""

from __future__ import annotations

import string
from collections.abc import Iterable

# The languages the wallet speaks, each named in its own words.
LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "legal_accept": {
        "ca": "En crear el compte acceptes les",
        "es": "Al crear la cuenta aceptas las",
        "en": "By creating the account you accept the",
    },
    "legal_terms": {
        "ca": "condicions d'ús",
        "es": "condiciones de uso",
        "en": "terms of use",
    },
    "legal_privacy": {
        "ca": "avís de privacitat",
        "es": "aviso de privacidad",
        "en": "privacy notice",
    },
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
    # The pay screen (pwa/pay.py), the camera scanner (server/static/wallet-scan.js) and
    # the charge screen (pwa/charge.py).
    "pay_title": {"ca": "Paga", "es": "Pagar", "en": "Pay"},
    "pay_to": {"ca": "A qui pagues", "es": "A quién pagas", "en": "Who you pay"},
    "pay_to_hint": {
        "ca": "El seu àlies, amb @ o sense; o escaneja el seu codi QR.",
        "es": "Su alias, con @ o sin; o escanea su código QR.",
        "en": "Their handle, with or without @; or scan their QR code.",
    },
    "amount": {"ca": "Import", "es": "Importe", "en": "Amount"},
    "pay_memo": {"ca": "Concepte (opcional)", "es": "Concepto (opcional)", "en": "Note (optional)"},
    "pay_continue": {"ca": "Continua", "es": "Continuar", "en": "Continue"},
    "pay_check": {
        "ca": "Comprova el pagament",
        "es": "Revisa el pago",
        "en": "Check the payment",
    },
    "pay_recipient": {"ca": "Destinatari", "es": "Destinatario", "en": "Recipient"},
    "pay_memo_short": {"ca": "Concepte", "es": "Concepto", "en": "Note"},
    "pay_recipient_check": {
        "ca": "Comprova que l'àlies és el de qui vols pagar.",
        "es": "Comprueba que el alias es el de quien quieres pagar.",
        "en": "Make sure the handle is the one of who you mean to pay.",
    },
    "pay_change": {"ca": "Canvia les dades", "es": "Cambiar los datos", "en": "Change the details"},
    "pay_no_pin": {
        "ca": "Encara no tens PIN de pagament: posa'n un al perfil.",
        "es": "Todavía no tienes PIN de pago: pon uno en el perfil.",
        "en": "You have no payment PIN yet: set one in your profile.",
    },
    "pay_done": {"ca": "Pagament fet", "es": "Pago hecho", "en": "Payment made"},
    "pay_when": {"ca": "Data i hora", "es": "Fecha y hora", "en": "Date and time"},
    "pay_sequence": {
        "ca": "Número al registre",
        "es": "Número en el registro",
        "en": "Ledger number",
    },
    "pay_hash": {"ca": "Empremta (hash)", "es": "Huella (hash)", "en": "Hash"},
    "pay_sealing": {
        "ca": "S'està segellant al registre…",
        "es": "Se está sellando en el registro…",
        "en": "Being sealed in the ledger…",
    },
    "pay_seal_late": {
        "ca": "Encara s'està segellant: ho veuràs als moviments.",
        "es": "Todavía se está sellando: lo verás en los movimientos.",
        "en": "Still being sealed: you will see it in your activity.",
    },
    "pay_again": {"ca": "Fes un altre pagament", "es": "Hacer otro pago", "en": "Pay again"},
    "back_to_wallet": {
        "ca": "Torna al moneder",
        "es": "Volver al monedero",
        "en": "Back to the wallet",
    },
    "pay_problem_to_empty": {
        "ca": "Escriu l'àlies de qui vols pagar.",
        "es": "Escribe el alias de quien quieres pagar.",
        "en": "Type the handle of who you want to pay.",
    },
    "pay_problem_to_self": {
        "ca": "No et pots pagar a tu mateix.",
        "es": "No te puedes pagar a ti mismo.",
        "en": "You cannot pay yourself.",
    },
    "pay_problem_to_limit": {
        "ca": "El moneder de qui cobra no pot rebre tant.",
        "es": "El monedero de quien cobra no puede recibir tanto.",
        "en": "The recipient's wallet cannot hold that much.",
    },
    "pay_problem_memo": {
        "ca": "El concepte pot tenir 140 caràcters com a màxim.",
        "es": "El concepto puede tener 140 caracteres como máximo.",
        "en": "The note can have 140 characters at most.",
    },
    "scan_qr": {"ca": "Escaneja un codi QR", "es": "Escanear un código QR", "en": "Scan a QR code"},
    "scan_title": {
        "ca": "Apunta la càmera al codi QR",
        "es": "Apunta la cámara al código QR",
        "en": "Point the camera at the QR code",
    },
    "scan_video": {"ca": "Imatge de la càmera", "es": "Imagen de la cámara", "en": "Camera view"},
    "scan_close": {"ca": "Tanca la càmera", "es": "Cerrar la cámara", "en": "Close the camera"},
    "scan_starting": {
        "ca": "Obrint la càmera…",
        "es": "Abriendo la cámara…",
        "en": "Opening the camera…",
    },
    "scan_refused": {
        "ca": "No tenim permís per fer servir la càmera. Pots escriure l'àlies a mà.",
        "es": "No tenemos permiso para usar la cámara. Puedes escribir el alias a mano.",
        "en": "The camera may not be used. You can type the handle instead.",
    },
    "scan_no_camera": {
        "ca": "No hi ha cap càmera disponible. Pots escriure l'àlies a mà.",
        "es": "No hay ninguna cámara disponible. Puedes escribir el alias a mano.",
        "en": "No camera is available. You can type the handle instead.",
    },
    "scan_not_pay": {
        "ca": "Aquest codi no és un codi de pagament del moneder.",
        "es": "Este código no es un código de pago del monedero.",
        "en": "This code is not a wallet payment code.",
    },
    "scan_found": {
        "ca": "Codi llegit: revisa les dades i continua.",
        "es": "Código leído: revisa los datos y continúa.",
        "en": "Code read: check the details and continue.",
    },
    "charge_title": {"ca": "Cobra", "es": "Cobrar", "en": "Get paid"},
    "charge_intro": {
        "ca": "Posa l'import i mostra el codi a qui et paga.",
        "es": "Pon el importe y enseña el código a quien te paga.",
        "en": "Enter the amount and show the code to whoever pays you.",
    },
    "charge_into": {
        "ca": "Cobres a: {account} (@{handle})",
        "es": "Cobras en: {account} (@{handle})",
        "en": "Paid into: {account} (@{handle})",
    },
    "charge_show": {"ca": "Mostra el codi", "es": "Mostrar el código", "en": "Show the code"},
    "charge_qr": {
        "ca": "Codi QR per pagar {amount} a {account}",
        "es": "Código QR para pagar {amount} a {account}",
        "en": "QR code to pay {amount} to {account}",
    },
    "charge_link": {
        "ca": "O comparteix aquest enllaç:",
        "es": "O comparte este enlace:",
        "en": "Or share this link:",
    },
    "charge_waiting": {
        "ca": "Esperant el pagament…",
        "es": "Esperando el pago…",
        "en": "Waiting for the payment…",
    },
    "charge_received": {
        "ca": "Rebut: {amount}.",
        "es": "Recibido: {amount}.",
        "en": "Received: {amount}.",
    },
    "charge_new": {"ca": "Un altre cobrament", "es": "Otro cobro", "en": "Another charge"},
    "sign_in_to_charge": {
        "ca": "Entra al moneder per cobrar.",
        "es": "Entra en el monedero para cobrar.",
        "en": "Sign in to your wallet to get paid.",
    },
    # The map and directory of shops (pwa/directory.py, server/static/wallet-map.js).
    "map_title": {"ca": "Botigues", "es": "Tiendas", "en": "Shops"},
    "map_intro": {
        "ca": "On pots pagar amb {currency}.",
        "es": "Dónde puedes pagar con {currency}.",
        "en": "Where you can pay with {currency}.",
    },
    "map_search": {"ca": "Cerca", "es": "Buscar", "en": "Search"},
    "map_search_hint": {
        "ca": "Nom, adreça, barri o tipus de botiga",
        "es": "Nombre, dirección, barrio o tipo de tienda",
        "en": "Name, address, neighbourhood or kind of shop",
    },
    "map_category": {"ca": "Tipus de botiga", "es": "Tipo de tienda", "en": "Kind of shop"},
    "map_all_categories": {"ca": "Totes", "es": "Todas", "en": "All"},
    "map_open_now": {"ca": "Obertes ara", "es": "Abiertas ahora", "en": "Open now"},
    "map_with_offers": {"ca": "Amb ofertes", "es": "Con ofertas", "en": "With offers"},
    "map_in_area": {
        "ca": "Només la zona que mostra el mapa",
        "es": "Solo la zona que muestra el mapa",
        "en": "Only the area the map shows",
    },
    "map_region": {
        "ca": "Mapa de les botigues",
        "es": "Mapa de las tiendas",
        "en": "Map of the shops",
    },
    "map_zoom_in": {"ca": "Apropa", "es": "Acercar", "en": "Zoom in"},
    "map_zoom_out": {"ca": "Allunya", "es": "Alejar", "en": "Zoom out"},
    "map_count_one": {"ca": "1 botiga", "es": "1 tienda", "en": "1 shop"},
    "map_count": {"ca": "{count} botigues", "es": "{count} tiendas", "en": "{count} shops"},
    "map_none": {
        "ca": "Cap botiga no coincideix amb la cerca.",
        "es": "Ninguna tienda coincide con la búsqueda.",
        "en": "No shop matches the search.",
    },
    "map_more": {"ca": "Mostra'n més", "es": "Mostrar más", "en": "Show more"},
    "map_unavailable": {
        "ca": "No s'han pogut carregar les botigues.",
        "es": "No se han podido cargar las tiendas.",
        "en": "The shops could not be loaded.",
    },
    "map_retry": {"ca": "Torna-ho a provar", "es": "Volver a intentarlo", "en": "Try again"},
    "map_open": {"ca": "Oberta ara", "es": "Abierta ahora", "en": "Open now"},
    "map_open_until": {
        "ca": "Oberta ara · tanca: {when}",
        "es": "Abierta ahora · cierra: {when}",
        "en": "Open now · closes: {when}",
    },
    "map_closed": {"ca": "Tancada", "es": "Cerrada", "en": "Closed"},
    "map_closed_until": {
        "ca": "Tancada · obre: {when}",
        "es": "Cerrada · abre: {when}",
        "en": "Closed · opens: {when}",
    },
    "map_tomorrow": {"ca": "demà", "es": "mañana", "en": "tomorrow"},
    "map_hours": {"ca": "Horari", "es": "Horario", "en": "Opening hours"},
    "map_day": {"ca": "Dia", "es": "Día", "en": "Day"},
    "map_day_closed": {"ca": "Tancat", "es": "Cerrado", "en": "Closed"},
    "map_no_hours": {
        "ca": "Aquesta botiga no ha publicat l'horari.",
        "es": "Esta tienda no ha publicado el horario.",
        "en": "This shop has not published its hours.",
    },
    "map_exceptions": {
        "ca": "Dies amb un altre horari",
        "es": "Días con otro horario",
        "en": "Days with other hours",
    },
    "map_address": {"ca": "Adreça", "es": "Dirección", "en": "Address"},
    "map_offers": {"ca": "Ofertes", "es": "Ofertas", "en": "Offers"},
    "map_no_offers": {
        "ca": "Ara no té cap oferta.",
        "es": "Ahora no tiene ninguna oferta.",
        "en": "No offers right now.",
    },
    "map_offer_CLASSIC": {"ca": "Oferta", "es": "Oferta", "en": "Offer"},
    "map_offer_PERCENTAGE": {
        "ca": "{percent} de descompte",
        "es": "{percent} de descuento",
        "en": "{percent} off",
    },
    "map_offer_FREE": {"ca": "De regal", "es": "De regalo", "en": "Free"},
    "map_offer_starts": {"ca": "Comença: {date}", "es": "Empieza: {date}", "en": "Starts: {date}"},
    "map_offer_ends": {"ca": "Acaba: {date}", "es": "Termina: {date}", "en": "Ends: {date}"},
    "map_offer_no_end": {
        "ca": "Sense data de fi",
        "es": "Sin fecha de fin",
        "en": "No end date",
    },
    "map_pay_here": {
        "ca": "Paga a {name}",
        "es": "Pagar a {name}",
        "en": "Pay {name}",
    },
    "map_category_bakery": {"ca": "Forn", "es": "Panadería", "en": "Bakery"},
    "map_category_bookshop": {"ca": "Llibreria", "es": "Librería", "en": "Bookshop"},
    "map_category_cafe": {"ca": "Cafeteria", "es": "Cafetería", "en": "Café"},
    "map_category_culture": {"ca": "Cultura", "es": "Cultura", "en": "Culture"},
    "map_category_grocery": {"ca": "Alimentació", "es": "Alimentación", "en": "Grocery"},
    "map_category_health": {"ca": "Salut", "es": "Salud", "en": "Health"},
    "map_category_restaurant": {"ca": "Restaurant", "es": "Restaurante", "en": "Restaurant"},
    "map_category_services": {"ca": "Serveis", "es": "Servicios", "en": "Services"},
    "map_category_shop": {"ca": "Botiga", "es": "Tienda", "en": "Shop"},
    "map_category_other": {"ca": "Altres", "es": "Otros", "en": "Other"},
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

NAVIGATION: dict[str, dict[str, str]] = {
    "nav_more": {"ca": "Més", "es": "Más", "en": "More"},
    "nav_history": {"ca": "Historial", "es": "Historial", "en": "History"},
    "nav_accounts": {"ca": "Comptes", "es": "Cuentas", "en": "Accounts"},
    "nav_profile": {"ca": "Perfil", "es": "Perfil", "en": "Profile"},
    "nav_till": {"ca": "Caixa", "es": "Caja", "en": "Till"},
    "nav_shop": {"ca": "La botiga al mapa", "es": "La tienda en el mapa", "en": "Shop page"},
    "nav_home": {"ca": "Inici", "es": "Inicio", "en": "Home"},
}
TEXTS.update(NAVIGATION)

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
    "RECIPIENT_NOT_FOUND": {
        "ca": "No hi ha cap compte amb aquest àlies.",
        "es": "No hay ninguna cuenta con este alias.",
        "en": "There is no account with this handle.",
    },
    "INVALID_AMOUNT": {
        "ca": "Posa un import més gran que zero, per exemple 12,50.",
        "es": "Pon un importe mayor que cero, por ejemplo 12,50.",
        "en": "Enter an amount above zero, for example 12.50.",
    },
    "IDEMPOTENCY_IN_PROGRESS": {
        "ca": "Aquest pagament encara s'està fent. Torna-ho a provar d'aquí a un moment: "
        "no es cobrarà dues vegades.",
        "es": "Este pago todavía se está haciendo. Vuelve a intentarlo en un momento: "
        "no se cobrará dos veces.",
        "en": "This payment is still going through. Try again in a moment: "
        "you will not be charged twice.",
    },
    "IDEMPOTENCY_KEY_REUSED": {
        "ca": "Les dades han canviat mentre pagaves. Torna-ho a provar.",
        "es": "Los datos han cambiado mientras pagabas. Vuelve a intentarlo.",
        "en": "The details changed while paying. Try again.",
    },
}


class _Branded(str):
    """A language code that also carries its currency's own words for that language, and
    the languages the currency offers."""

    overrides: dict[str, str]
    every_language: dict[str, dict[str, str]]
    offered: tuple[str, ...]


def branded(
    language: str, overrides: dict[str, dict[str, str]], offered: Iterable[str] = ()
) -> str:
    """`language`, equal to it as a string, carrying the words a currency's folder says its
    own way in it (texts/<language>.toml): `text` gives those instead of the defaults; and
    the languages the currency offers (theme.toml's `languages`; none: every one)."""
    carried = _Branded(language)
    carried.overrides = overrides.get(language, {})
    carried.every_language = overrides
    carried.offered = tuple(offered)
    return carried


def speak(chosen: str | None, language: str) -> str:
    """The language a person chose (or, when none or one the currency does not offer,
    `language`), still carrying the words of the currency `language` was branded with:
    screens switch to the person's language with `speak(viewer["user"]["language"],
    language)` and keep the currency's texts."""
    every_language = getattr(language, "every_language", None)
    wanted = chosen if chosen and chosen in offered_languages(language) else language
    if every_language is None:
        return wanted
    return branded(str(wanted), every_language, getattr(language, "offered", ()))


def offered_languages(language: str) -> dict[str, str]:
    """The languages a person may choose in this currency's wallet, by code, each in its
    own words: those the currency offers, or all the wallet speaks."""
    offered = getattr(language, "offered", ())
    spoken = {code: LANGUAGE_NAMES[code] for code in offered if code in LANGUAGE_NAMES}
    return spoken or dict(LANGUAGE_NAMES)


def unknown_text_keys(overrides: dict[str, dict[str, str]]) -> list[str]:
    """The keys of a currency's overrides (by language) that the wallet has no text for."""
    return sorted({key for words in overrides.values() for key in words if key not in TEXTS})


def placeholder_problems(overrides: dict[str, dict[str, str]]) -> list[str]:
    """Overrides whose {placeholders} differ from the default's: the wallet fills in only
    those it knows, so '{nombre}' for '{name}' would fail when shown."""
    problems = []
    for language, words in sorted(overrides.items()):
        for key, words_given in sorted(words.items()):
            if key not in TEXTS:
                continue
            wanted = _placeholders(TEXTS[key].get("en", ""))
            try:
                given = _placeholders(words_given)
            except ValueError:
                problems.append(f"{language}.toml: field {key!r}: a {{ or }} without its pair")
                continue
            if given != wanted:
                problems.append(
                    f"{language}.toml: field {key!r}: uses {sorted(given) or 'no placeholders'}, "
                    f"the wallet fills in {sorted(wanted) or 'none'}"
                )
    return problems


def _placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def text(language: str, key: str) -> str:
    overrides = getattr(language, "overrides", None)
    if overrides and key in overrides:
        return overrides[key]
    options = TEXTS[key]
    return options.get(language) or options["en"]


def problem_text(language: str, code: str, message: str) -> str:
    """An API error in the person's language; the API's own message when we have none."""
    options = PROBLEMS.get(code)
    if options is None:
        return message or code
    return options.get(language) or options["en"]


def _merge_screen_texts() -> None:
    """Each screen keeps its words in its own module; a key may be defined only once."""
    from pwa import texts_accounts, texts_history, texts_profile, texts_shop, texts_till

    for module in (texts_accounts, texts_history, texts_profile, texts_shop, texts_till):
        for mine, theirs in ((TEXTS, module.TEXTS), (PROBLEMS, module.PROBLEMS)):
            twice = mine.keys() & theirs.keys()
            if twice:
                raise RuntimeError(f"{module.__name__} defines again {sorted(twice)}")
            mine.update(theirs)


_merge_screen_texts()
