"""The profile screen's words and the forgotten-password page's (merged into pwa.texts,
where a key may appear only once)."""

from __future__ import annotations

FORGOT: dict[str, dict[str, str]] = {
    "forgot_password_link": {
        "ca": "Has oblidat la contrasenya?",
        "es": "¿Has olvidado la contraseña?",
        "en": "Forgot your password?",
    },
    "forgot_title": {
        "ca": "Contrasenya oblidada",
        "es": "Contraseña olvidada",
        "en": "Forgotten password",
    },
    "forgot_intro": {
        "ca": "Escriu el correu del teu compte i t'hi enviarem un enllaç per triar-ne una de nova.",
        "es": "Escribe el correo de tu cuenta y te enviaremos un enlace para elegir una nueva.",
        "en": "Type your account's email and we will send you a link to choose a new one.",
    },
    "forgot_submit": {
        "ca": "Envia'm l'enllaç",
        "es": "Envíame el enlace",
        "en": "Send me the link",
    },
    "forgot_sent": {
        "ca": "Si hi ha un compte amb l'adreça {email}, t'hi hem enviat un enllaç per triar "
        "una contrasenya nova. Mira el correu (també el correu brossa): l'enllaç caduca "
        "d'aquí a una hora.",
        "es": "Si hay una cuenta con la dirección {email}, te hemos enviado un enlace para "
        "elegir una contraseña nueva. Mira el correo (también el correo no deseado): el "
        "enlace caduca en una hora.",
        "en": "If there is an account with the address {email}, we have sent it a link to "
        "choose a new password. Check your mail (the spam folder too): the link expires in "
        "an hour.",
    },
    "forgot_failed": {
        "ca": "Ara no s'ha pogut enviar. Torna-ho a provar d'aquí a una estona.",
        "es": "Ahora no se ha podido enviar. Vuelve a intentarlo dentro de un rato.",
        "en": "It could not be sent now. Try again in a while.",
    },
}

PROFILE: dict[str, dict[str, str]] = {
    "profile_title": {"ca": "El teu perfil", "es": "Tu perfil", "en": "Your profile"},
    "profile_sign_in": {
        "ca": "Entra al moneder per veure el teu perfil.",
        "es": "Entra en el monedero para ver tu perfil.",
        "en": "Sign in to your wallet to see your profile.",
    },
    "profile_failed": {
        "ca": "No s'ha pogut desar. Torna-ho a provar.",
        "es": "No se ha podido guardar. Vuelve a intentarlo.",
        "en": "It could not be saved. Try again.",
    },
    # Language
    "profile_language_hint": {
        "ca": "L'idioma del moneder i dels correus que t'enviem.",
        "es": "El idioma del monedero y de los correos que te enviamos.",
        "en": "The language of the wallet and of the mail we send you.",
    },
    "profile_language_saved": {
        "ca": "Idioma desat.",
        "es": "Idioma guardado.",
        "en": "Language saved.",
    },
    # Password
    "profile_password_title": {"ca": "Contrasenya", "es": "Contraseña", "en": "Password"},
    "profile_current_password": {
        "ca": "Contrasenya actual",
        "es": "Contraseña actual",
        "en": "Current password",
    },
    "profile_password_submit": {
        "ca": "Canvia la contrasenya",
        "es": "Cambiar la contraseña",
        "en": "Change the password",
    },
    "profile_password_changed": {
        "ca": "Contrasenya canviada. S'han tancat les sessions dels altres dispositius.",
        "es": "Contraseña cambiada. Se han cerrado las sesiones de los otros dispositivos.",
        "en": "Password changed. Your sessions on other devices were ended.",
    },
    "profile_password_short": {
        "ca": "Fes servir almenys 10 caràcters.",
        "es": "Usa al menos 10 caracteres.",
        "en": "Use at least 10 characters.",
    },
    "profile_password_long": {
        "ca": "Fes servir 256 caràcters com a màxim.",
        "es": "Usa 256 caracteres como máximo.",
        "en": "Use 256 characters at most.",
    },
    "profile_password_easy": {
        "ca": "Aquesta contrasenya és massa fàcil d'endevinar.",
        "es": "Esta contraseña es demasiado fácil de adivinar.",
        "en": "This password is too easy to guess.",
    },
    "profile_password_email": {
        "ca": "La contrasenya no pot contenir la teva adreça de correu.",
        "es": "La contraseña no puede contener tu dirección de correo.",
        "en": "The password must not contain your email address.",
    },
    # Payment PIN
    "profile_pin_set": {
        "ca": "Ja tens un PIN de pagament. Pots canviar-lo aquí.",
        "es": "Ya tienes un PIN de pago. Puedes cambiarlo aquí.",
        "en": "You have a payment PIN. You can change it here.",
    },
    "profile_pin_none": {
        "ca": "Encara no tens PIN de pagament: el necessites per pagar.",
        "es": "Todavía no tienes PIN de pago: lo necesitas para pagar.",
        "en": "You have no payment PIN yet: you need one to pay.",
    },
    "profile_pin_hint": {
        "ca": "Si el PIN s'ha bloquejat després de tres intents, posar-ne un de nou el "
        "desbloqueja.",
        "es": "Si el PIN se ha bloqueado tras tres intentos, poner uno nuevo lo desbloquea.",
        "en": "If your PIN was locked after three wrong tries, setting a new one unlocks it.",
    },
    "profile_new_pin": {
        "ca": "PIN nou (de 4 a 6 xifres)",
        "es": "PIN nuevo (de 4 a 6 cifras)",
        "en": "New PIN (4 to 6 digits)",
    },
    "profile_pin_submit": {"ca": "Desa el PIN", "es": "Guardar el PIN", "en": "Save the PIN"},
    "profile_pin_saved": {
        "ca": "PIN desat. Ja pots pagar amb aquest PIN.",
        "es": "PIN guardado. Ya puedes pagar con este PIN.",
        "en": "PIN saved. You can pay with it now.",
    },
    "profile_pin_rule": {
        "ca": "Fes servir de 4 a 6 xifres, que no siguin totes iguals ni seguides.",
        "es": "Usa de 4 a 6 cifras, que no sean todas iguales ni seguidas.",
        "en": "Use 4 to 6 digits, not all the same nor in a row.",
    },
    # Two-factor
    "profile_2fa_title": {
        "ca": "Verificació en dos passos",
        "es": "Verificación en dos pasos",
        "en": "Two-factor authentication",
    },
    "profile_2fa_on": {
        "ca": "Activada: per entrar et demanarem un codi de la teva aplicació d'autenticació.",
        "es": "Activada: para entrar te pediremos un código de tu aplicación de autenticación.",
        "en": "On: signing in asks for a code from your authenticator app.",
    },
    "profile_2fa_off": {
        "ca": "Desactivada. Activa-la per protegir més el teu compte.",
        "es": "Desactivada. Actívala para proteger más tu cuenta.",
        "en": "Off. Turn it on to protect your account better.",
    },
    "profile_2fa_start": {"ca": "Activa-la", "es": "Activarla", "en": "Turn it on"},
    "profile_2fa_scan": {
        "ca": "Escaneja aquest codi amb la teva aplicació d'autenticació (o escriu-hi la clau) "
        "i posa a sota el codi de 6 xifres que et mostri.",
        "es": "Escanea este código con tu aplicación de autenticación (o escribe en ella la "
        "clave) y pon debajo el código de 6 cifras que te muestre.",
        "en": "Scan this code with your authenticator app (or type the key into it), then "
        "enter below the 6-digit code it shows.",
    },
    "profile_2fa_qr": {
        "ca": "Codi QR per a l'aplicació d'autenticació",
        "es": "Código QR para la aplicación de autenticación",
        "en": "QR code for the authenticator app",
    },
    "profile_2fa_secret": {"ca": "Clau", "es": "Clave", "en": "Key"},
    "profile_2fa_code": {
        "ca": "Codi de 6 xifres",
        "es": "Código de 6 cifras",
        "en": "6-digit code",
    },
    "profile_2fa_confirm": {
        "ca": "Confirma i activa",
        "es": "Confirmar y activar",
        "en": "Confirm and turn on",
    },
    "profile_2fa_cancel": {"ca": "Cancel·la", "es": "Cancelar", "en": "Cancel"},
    "profile_2fa_enabled": {
        "ca": "Verificació en dos passos activada.",
        "es": "Verificación en dos pasos activada.",
        "en": "Two-factor authentication is on.",
    },
    "profile_2fa_disable": {"ca": "Desactiva-la", "es": "Desactivarla", "en": "Turn it off"},
    "profile_2fa_disabled": {
        "ca": "Verificació en dos passos desactivada.",
        "es": "Verificación en dos pasos desactivada.",
        "en": "Two-factor authentication is off.",
    },
    "profile_2fa_admin": {
        "ca": "Les persones administradores l'han de tenir sempre activada.",
        "es": "Las personas administradoras deben tenerla siempre activada.",
        "en": "Administrators must keep it on.",
    },
    "profile_2fa_restart": {
        "ca": "Torna a començar l'activació.",
        "es": "Vuelve a empezar la activación.",
        "en": "Start turning it on again.",
    },
    # KYC
    "profile_kyc_title": {
        "ca": "Verificació d'identitat",
        "es": "Verificación de identidad",
        "en": "Identity verification",
    },
    "profile_kyc_account": {
        "ca": "Compte: {account}",
        "es": "Cuenta: {account}",
        "en": "Account: {account}",
    },
    "profile_kyc_tier": {
        "ca": "Nivell {level}: {name}",
        "es": "Nivel {level}: {name}",
        "en": "Level {level}: {name}",
    },
    "profile_kyc_can_send": {
        "ca": "Pots enviar i rebre pagaments.",
        "es": "Puedes enviar y recibir pagos.",
        "en": "You can send and receive payments.",
    },
    "profile_kyc_cannot_send": {
        "ca": "Amb aquest nivell pots rebre pagaments, però no enviar-ne.",
        "es": "Con este nivel puedes recibir pagos, pero no enviarlos.",
        "en": "At this level you can receive payments but not send them.",
    },
    "profile_kyc_per_payment": {
        "ca": "Màxim per pagament",
        "es": "Máximo por pago",
        "en": "Most per payment",
    },
    "profile_kyc_monthly": {
        "ca": "Màxim enviat per mes",
        "es": "Máximo enviado al mes",
        "en": "Most sent per month",
    },
    "profile_kyc_max_balance": {
        "ca": "Saldo màxim",
        "es": "Saldo máximo",
        "en": "Largest balance",
    },
    "profile_kyc_no_limit": {"ca": "Sense límit", "es": "Sin límite", "en": "No limit"},
    "profile_kyc_next": {
        "ca": "Per passar al nivell {level} ({name}), envia: {documents}.",
        "es": "Para pasar al nivel {level} ({name}), envía: {documents}.",
        "en": "To reach level {level} ({name}), send: {documents}.",
    },
    "profile_kyc_documents": {
        "ca": "Documents enviats",
        "es": "Documentos enviados",
        "en": "Documents sent",
    },
    "profile_kyc_no_documents": {
        "ca": "Encara no has enviat cap document.",
        "es": "Todavía no has enviado ningún documento.",
        "en": "You have not sent any document yet.",
    },
    "profile_kyc_kind_ID_DOCUMENT": {
        "ca": "DNI, NIE o passaport",
        "es": "DNI, NIE o pasaporte",
        "en": "ID card, NIE or passport",
    },
    "profile_kyc_kind_PROOF_OF_ADDRESS": {
        "ca": "Comprovant de domicili",
        "es": "Justificante de domicilio",
        "en": "Proof of address",
    },
    "profile_kyc_kind_COMPANY_REGISTRATION": {
        "ca": "Registre de l'empresa",
        "es": "Registro de la empresa",
        "en": "Company registration",
    },
    "profile_kyc_status_SUBMITTED": {
        "ca": "Pendent de revisió",
        "es": "Pendiente de revisión",
        "en": "Waiting for review",
    },
    "profile_kyc_status_APPROVED": {"ca": "Aprovat", "es": "Aprobado", "en": "Approved"},
    "profile_kyc_status_DECLINED": {"ca": "Rebutjat", "es": "Rechazado", "en": "Declined"},
    "profile_kyc_status_EXPIRED": {"ca": "Caducat", "es": "Caducado", "en": "Expired"},
    "profile_kyc_reason": {
        "ca": "Motiu: {reason}",
        "es": "Motivo: {reason}",
        "en": "Why: {reason}",
    },
    "profile_kyc_sent_on": {"ca": "Enviat: {when}", "es": "Enviado: {when}", "en": "Sent: {when}"},
    "profile_kyc_valid_until": {
        "ca": "Vàlid fins: {when}",
        "es": "Válido hasta: {when}",
        "en": "Valid until: {when}",
    },
    "profile_kyc_upload_title": {
        "ca": "Envia un document",
        "es": "Envía un documento",
        "en": "Send a document",
    },
    "profile_kyc_kind": {
        "ca": "Tipus de document",
        "es": "Tipo de documento",
        "en": "Kind of document",
    },
    "profile_kyc_file": {
        "ca": "Fitxer (PDF, JPEG o PNG, 10 MB com a màxim)",
        "es": "Archivo (PDF, JPEG o PNG, 10 MB como máximo)",
        "en": "File (PDF, JPEG or PNG, 10 MB at most)",
    },
    "profile_kyc_submit": {
        "ca": "Envia el document",
        "es": "Enviar el documento",
        "en": "Send the document",
    },
    "profile_kyc_sent": {
        "ca": "Document enviat: el revisarem aviat.",
        "es": "Documento enviado: lo revisaremos pronto.",
        "en": "Document sent: we will review it soon.",
    },
    "profile_kyc_file_type": {
        "ca": "Envia un fitxer PDF, JPEG o PNG.",
        "es": "Envía un archivo PDF, JPEG o PNG.",
        "en": "Send a PDF, JPEG or PNG file.",
    },
    "profile_kyc_file_big": {
        "ca": "El fitxer pot fer 10 MB com a màxim.",
        "es": "El archivo puede ocupar 10 MB como máximo.",
        "en": "The file can be 10 MB at most.",
    },
    "profile_kyc_file_empty": {
        "ca": "Tria un fitxer que no sigui buit.",
        "es": "Elige un archivo que no esté vacío.",
        "en": "Choose a file that is not empty.",
    },
    "profile_kyc_too_many": {
        "ca": "Ja tens prou documents pendents: espera que els revisem.",
        "es": "Ya tienes bastantes documentos pendientes: espera a que los revisemos.",
        "en": "You have enough documents waiting: wait until we review them.",
    },
    "profile_kyc_not_yours": {
        "ca": "Només la persona titular o qui és propietari del compte hi pot enviar documents.",
        "es": "Solo la persona titular o quien es propietario de la cuenta puede enviar "
        "documentos.",
        "en": "Only the account's holder or its owners can send documents for it.",
    },
    "profile_kyc_failed": {
        "ca": "No s'ha pogut enviar el document. Torna-ho a provar.",
        "es": "No se ha podido enviar el documento. Vuelve a intentarlo.",
        "en": "The document could not be sent. Try again.",
    },
}

TEXTS: dict[str, dict[str, str]] = FORGOT | PROFILE

PROBLEMS: dict[str, dict[str, str]] = {
    "WRONG_PASSWORD": {
        "ca": "La contrasenya no és correcta.",
        "es": "La contraseña no es correcta.",
        "en": "Wrong password.",
    },
}
