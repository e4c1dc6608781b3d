import type { Catalog } from './en.js';

/**
 * Spanish, neutral (not one country's), addressing the user as usted. Quotes are angular (« »);
 * an apostrophe would start a quotation in ICU MessageFormat. Plurals have CLDR's `many` form
 * too: a round million takes "de" (1.000.000 de segundos).
 */
export const es: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Idioma',

  'login.title': 'Iniciar sesión',
  'login.titleAgain': 'Vuelva a iniciar sesión',
  'login.leadApp': 'para continuar en <b>{app}</b>',
  'login.lead': 'con su cuenta de Gatehouse',
  'login.username': 'Nombre de usuario',
  'login.password': 'Contraseña',
  'login.notYou': '¿No es usted?',
  'login.submit': 'Iniciar sesión',
  'login.hint': 'Puede iniciar sesión con su nombre de usuario o con su dirección de correo electrónico.',
  'login.forgot': '¿Ha olvidado su contraseña?',
  'login.register': 'Crear una cuenta',
  'login.missing': 'Introduzca su nombre de usuario y su contraseña.',
  'login.incorrect': 'El nombre de usuario o la contraseña no son correctos.',
  'login.unconfirmed':
    'Su dirección de correo electrónico aún no está confirmada. Siga el enlace que le enviamos, o use «¿Ha olvidado su contraseña?» para recibir uno nuevo.',
  'login.busy':
    'Gatehouse está demasiado ocupado para comprobar su contraseña en este momento. Vuelva a intentarlo dentro de {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}}.',
  'login.throttled':
    'Demasiados intentos fallidos de inicio de sesión. Espere {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} y vuelva a intentarlo.',
  'login.noticeReset': 'Su contraseña se ha cambiado. Inicie sesión con la nueva contraseña.',
  'signedIn.title': 'Sesión iniciada',
  'signedIn.heading': 'Ha iniciado sesión',
  'signedIn.lead': 'como <b>{username}</b>.',
  'common.yourAccount': 'Su cuenta',
  'common.signOut': 'Cerrar sesión',
  'common.cancel': 'Cancelar',
  'common.signedInAs': 'Sesión iniciada como <b>{username}</b>',
  'common.backToSignIn': 'Volver al inicio de sesión',
  'common.continue': 'Continuar',
  'common.knowWhoYouAre': 'Saber quién es usted en este servidor',
  'common.askingFor': 'Solicita permiso para:',
  'common.deny': 'Denegar',

  'throttle.passwords':
    'Demasiadas contraseñas incorrectas. Espere {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} y vuelva a intentarlo.',
  'throttle.network':
    'Demasiadas solicitudes desde su red. Espere {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} y vuelva a intentarlo.',
  'password.rule':
    'Al menos {min, plural, one {# carácter} many {# de caracteres} other {# caracteres}}; que no sea su nombre de usuario ni su dirección de correo electrónico.',

  'consent.title': 'Autorizar el acceso',
  'consent.heading': '<b>{app}</b> quiere acceder a su cuenta',
  'consent.allow': 'Permitir',
  'consent.sendsBack': 'Si lo permite, volverá a <b>{host}</b>.',
  'consent.remembered': 'No se le volverán a pedir estos permisos.',
  'consent.notRemembered':
    'Se le volverán a pedir la próxima vez: Gatehouse no puede verificar qué aplicación de su dispositivo es esta.',

  'scope.openid': 'Iniciar sesión con su cuenta',
  'scope.profile': 'Ver su nombre de usuario y su nombre',
  'scope.email': 'Ver su dirección de correo electrónico',
  'scope.offline_access': 'Mantener el acceso cuando no esté usando la aplicación (hasta que lo revoque)',

  'logout.heading': '¿Cerrar sesión?',
  'logout.lead': 'Ha iniciado sesión como <b>{username}</b>.',
  'logout.thenAnother': 'Después podrá iniciar sesión con otra cuenta.',
  'signedOut.title': 'Sesión cerrada',
  'signedOut.heading': 'Ha cerrado sesión',
  'signedOut.lead': 'Puede cerrar esta ventana.',
  'signedOut.again': 'Volver a iniciar sesión',
  'endSession.heading': '¿Cerrar la sesión de Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> solicita cerrar su sesión.',
  'endSession.lead': 'Una aplicación solicita cerrar su sesión.',
  'endSession.otherSession':
    'La aplicación inició sesión con una cuenta o una sesión distinta de esta. Cerrar sesión termina la sesión de este navegador.',
  'endSession.note':
    'Cerrar sesión termina su sesión de Gatehouse y los inicios de sesión de las aplicaciones que la usaron.',
  'stillSignedIn.title': 'Sesión todavía iniciada',
  'stillSignedIn.heading': 'Su sesión sigue iniciada',
  'stillSignedIn.lead':
    'como <b>{username}</b>: su sesión de Gatehouse no ha cambiado (puede que la aplicación ya haya cerrado su sesión por su parte).',
  'stillSignedIn.backTo': 'Volver a {app}',
  'stillSignedIn.backToApp': 'Volver a la aplicación',

  'register.title': 'Crear una cuenta',
  'register.lead': 'Elija un nombre de usuario y una contraseña.',
  'register.email': 'Dirección de correo electrónico',
  'register.passwordAgain': 'Repita la contraseña',
  'register.submit': 'Crear la cuenta',
  'register.haveAccount': 'Ya tengo una cuenta',
  'register.closedTitle': 'El registro está cerrado',
  'register.closedMessage': 'Las cuentas de este servidor las crean sus administradores.',
  'checkEmail.title': 'Revise su correo electrónico',
  'checkEmail.signUp': 'Hemos enviado un enlace a la dirección que indicó. Sígalo para activar su cuenta.',
  'checkEmail.signUpContinue':
    'Hemos enviado un enlace a la dirección que indicó. Sígalo para activar su cuenta; después vuelva aquí e inicie sesión para continuar.',
  'checkEmail.reset':
    'Si el nombre o la dirección que indicó pertenecen a una cuenta, hemos enviado a su dirección de correo electrónico un enlace para elegir una nueva contraseña.',
  'checkEmail.expires':
    'El enlace es válido durante {duration}. ¿No le ha llegado nada? Mire en la carpeta de correo no deseado o vuelva a solicitarlo dentro de unos minutos.',
  'confirm.title': 'Confirme su dirección de correo electrónico',
  'confirm.lead': 'y active la cuenta <b>{username}</b>. Introduzca la contraseña que eligió al registrarse.',
  'confirm.submit': 'Confirmar y activar mi cuenta',
  'confirm.notYours':
    '¿No es su cuenta? Entonces otra persona se registró con su dirección: ignore esta página y el correo, y la cuenta no se activará.',
  'confirm.wrongPassword':
    'La contraseña no es correcta. Introduzca la contraseña que eligió al registrarse (o regístrese de nuevo para elegir otra).',
  'confirm.linkNotUsable':
    'Ha caducado, ya se usó o se ha enviado un enlace más reciente. Si su cuenta aún no está activa, solicite un nuevo enlace con «¿Ha olvidado su contraseña?» en la página de inicio de sesión.',
  'link.notUsableTitle': 'Este enlace ya no funciona',

  'reset.title': 'Restablecer la contraseña',
  'reset.lead':
    'Introduzca su nombre de usuario o su dirección de correo electrónico. Si corresponde a una cuenta, le enviaremos por correo un enlace para elegir una nueva contraseña.',
  'reset.login': 'Nombre de usuario o dirección de correo electrónico',
  'reset.submit': 'Enviarme un enlace',
  'reset.missing': 'Introduzca su nombre de usuario o su dirección de correo electrónico.',
  'reset.linkNotUsable':
    'Ha caducado, ya se usó o se ha enviado un enlace más reciente. Solicite uno nuevo en la página «¿Ha olvidado su contraseña?».',
  'resetPassword.title': 'Elija una nueva contraseña',
  'resetPassword.lead':
    'para <b>{username}</b>. Se cerrarán todas sus sesiones y tendrá que volver a autorizar las aplicaciones que usan su cuenta.',
  'resetPassword.new': 'Nueva contraseña',
  'resetPassword.newAgain': 'Repita la nueva contraseña',
  'resetPassword.submit': 'Guardar mi nueva contraseña',

  'account.title': 'Su cuenta',
  'account.lead': 'Sesión iniciada como <b>{username}</b>.',
  'account.nameHeading': 'Su nombre',
  'account.nameLead': 'Las aplicaciones en las que inicia sesión con esta cuenta ven este nombre.',
  'account.name': 'Nombre',
  'account.saveName': 'Guardar el nombre',
  'account.profileHeading': 'Perfil',
  'account.verified': 'Esta dirección está verificada: siguió un enlace que enviamos a esa dirección.',
  'account.unverified':
    'Esta dirección aún no está verificada, y así se indica a las aplicaciones. Al cambiarla se envía un enlace a la nueva dirección, que la verifica.',
  'account.currentPassword': 'Contraseña actual',
  'account.saveProfile': 'Guardar el perfil',
  'account.passwordHeading': 'Cambiar la contraseña',
  'account.changePassword': 'Cambiar la contraseña',
  'account.passwordNote': '{rule} Al cambiarla se cerrará la sesión en sus otros dispositivos.',
  'account.appsHeading': 'Aplicaciones con acceso',
  'account.noScopes': 'sin permisos',
  'account.allowedOn': 'autorizada el {date}',
  'account.signedInOn': 'sesión iniciada el {date}',
  'account.removeAccess': 'Quitar el acceso',
  'account.removeAccessFor': 'Quitar el acceso a {app}',
  'account.noApps': 'Ninguna aplicación tiene acceso a su cuenta.',
  'account.done.confirmed': 'Su dirección de correo electrónico está confirmada y su cuenta está activa.',
  'account.done.profile': 'Su perfil se ha guardado.',
  'account.done.name': 'Su nombre se ha guardado.',
  'account.done.email':
    'Su perfil se ha guardado. Para cambiar su dirección de correo electrónico, siga el enlace que enviamos a la nueva dirección: hasta entonces se mantiene la actual.',
  'account.done.password': 'Su contraseña se ha cambiado. Se ha cerrado la sesión en sus otros dispositivos.',
  'account.done.revoked': 'La aplicación ya no tiene acceso a su cuenta.',
  'emailConfirm.title': 'Confirme su nueva dirección de correo electrónico',
  'emailConfirm.lead':
    'La cuenta <b>{username}</b> usará <b>{email}</b> a partir de ahora. Introduzca la contraseña de la cuenta para confirmarlo.',
  'emailConfirm.submit': 'Confirmar mi nueva dirección de correo electrónico',
  'emailConfirm.notAsked': '¿No lo ha solicitado? Ignore esta página: la dirección de la cuenta no cambia.',
  'emailConfirm.wrongPassword': 'La contraseña no es correcta. Introduzca la contraseña actual de la cuenta.',
  'emailConfirm.linkNotUsable':
    'Ha caducado, ya se usó o se ha enviado un enlace más reciente. Vuelva a solicitar el cambio en la página de su cuenta.',
  'emailConfirm.takenTitle': 'Esta dirección ya no está libre',
  'emailConfirm.takenMessage':
    'Otra cuenta usa ahora esta dirección de correo electrónico, así que su dirección no se ha cambiado. Elija otra en la página de su cuenta.',
  'emailChanged.title': 'Dirección de correo electrónico cambiada',
  'emailChanged.lead':
    'Su cuenta usa ahora <b>{email}</b>. A partir de ahora, los mensajes sobre ella se envían a esa dirección.',

  'problem.passwordsDiffer': 'Las dos contraseñas no coinciden.',
  'problem.passwordTooShort':
    'La contraseña debe tener al menos {min, plural, one {# carácter} many {# de caracteres} other {# caracteres}}.',
  'problem.passwordTooLong':
    'La contraseña debe tener como máximo {max, plural, one {# carácter} many {# de caracteres} other {# caracteres}}.',
  'problem.passwordIsName': 'La contraseña no puede ser el nombre de usuario ni la dirección de correo electrónico.',
  'problem.currentPasswordIncorrect': 'La contraseña actual no es correcta.',
  'problem.passwordChangedMeanwhile': 'Su contraseña se ha cambiado mientras tanto: vuelva a iniciar sesión.',
  'problem.usernameTaken': 'Ya existe un usuario con este nombre de usuario.',
  'problem.emailTaken': 'Ya existe un usuario con esta dirección de correo electrónico.',
  'problem.emailInvalid': 'La dirección de correo electrónico no es válida.',
  'problem.usernameInvalid': 'El nombre de usuario debe tener de 1 a 64 letras, cifras, «.», «_» o «-».',
  'problem.usernameMixedScripts':
    'El nombre de usuario mezcla letras de distintas escrituras ({scripts}), lo que puede imitar otro nombre: use una sola escritura.',
  'problem.nameTooLong':
    'El nombre debe tener como máximo {max, plural, one {# carácter} many {# de caracteres} other {# caracteres}}.',
  'problem.nameControl':
    'El nombre no puede contener caracteres de control, saltos de línea ni cambios forzados de la dirección del texto.',
  'problem.other': '{message}',

  'device.title': 'Conectar un dispositivo',
  'device.lead': 'Introduzca el código que se muestra en su dispositivo.',
  'device.code': 'Código',
  'device.note': 'Introduzca solo el código de un dispositivo que esté configurando usted mismo.',
  'device.throttled':
    'Demasiados códigos incorrectos. Espere {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} y vuelva a intentarlo.',
  'device.invalidCode':
    'Ese código no es válido o ha caducado. Compruebe el código en su dispositivo y vuelva a intentarlo.',
  'device.consentLead':
    'Un dispositivo solicita acceso a su cuenta. Apruébelo solo si usted inició esto en un dispositivo de su propiedad y este muestra el código que introdujo.',
  'device.approve': 'Aprobar',
  'device.approvedTitle': 'Dispositivo conectado',
  'device.approvedLead': '<b>{app}</b> ya puede acceder a su cuenta. Puede volver a su dispositivo.',
  'device.deniedTitle': 'Acceso denegado',
  'device.deniedLead': 'No se ha dado acceso a su cuenta al dispositivo (<b>{app}</b>). Puede cerrar esta ventana.',

  'error.busyTitle': 'Vuelva a intentarlo en un momento',
  'error.busy':
    'Gatehouse está demasiado ocupado para comprobar su contraseña en este momento. Vuelva a intentarlo dentro de {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}}.',
  'error.databaseDown': 'Gatehouse no puede acceder a su base de datos en este momento.',
  'error.serverTitle': 'Algo ha salido mal',
  'error.server': 'Gatehouse no ha podido completar esta solicitud. Vuelva a intentarlo.',
  'error.methodTitle': 'No permitido',
  'error.method': 'Esta página no se puede usar de esa forma.',
  'error.requestTitle': 'Esta solicitud no se puede usar',
  'error.request': 'La página ha recibido una solicitud que no puede aceptar.',
  'error.csrfTitle': 'Vuelva a intentarlo',
  'error.csrf':
    'Este formulario ha caducado o no se envió desde este sitio. Vuelva atrás, recargue la página y vuelva a intentarlo. Para iniciar sesión, las cookies deben estar habilitadas.',
  'error.signInExpiredTitle': 'Este enlace de inicio de sesión ha caducado',
  'error.signInExpired':
    'Vuelva a la aplicación de la que procede y empiece de nuevo. No se ha compartido nada con ella.',
  'error.untrustedTitle': 'Este enlace de inicio de sesión no funciona',
  'error.untrusted':
    'La aplicación que le ha traído hasta aquí ha hecho una solicitud que Gatehouse no puede aceptar, así que no se le ha redirigido de vuelta a ella y no se ha compartido nada.',
  'error.consentExpiredTitle': 'Esta página ha caducado',
  'error.consentExpired':
    'Esta solicitud ya se respondió o se dejó abierta demasiado tiempo. Vuelva a la aplicación y empiece de nuevo.',
  'error.logoutExpiredTitle': 'Esta solicitud de cierre de sesión ha caducado',
  'error.logoutExpired':
    'Ya se respondió o se dejó abierta demasiado tiempo. Vuelva a la aplicación y cierre sesión de nuevo.',
  'error.languageTitle': 'Este idioma no está disponible',
  'error.language': 'Elija uno de los idiomas que aparecen a continuación.',
  'error.detail': 'Para el desarrollador de la aplicación:',
  'next.backToApp': 'Vuelva a <a>{app}</a> e inicie sesión de nuevo.',
  'next.signIn': 'Ir a la <a>página de inicio de sesión</a>.',
  'next.account': 'Ir a <a>su cuenta</a>.',

  'duration.days': '{count, plural, one {# día} many {# de días} other {# días}}',
  'duration.hours': '{count, plural, one {# hora} many {# de horas} other {# horas}}',
  'duration.minutes': '{count, plural, one {# minuto} many {# de minutos} other {# minutos}}',
  'duration.seconds': '{count, plural, one {# segundo} many {# de segundos} other {# segundos}}',

  'mail.hello': 'Hola, {username}:',
  'mail.pasteLink': 'O pegue esta dirección en su navegador:',
  'mail.confirmation.subject': 'Confirme su dirección de correo electrónico en {site}',
  'mail.confirmation.openLink': 'Para terminar de crear su cuenta en {site}, abra este enlace:',
  'mail.confirmation.intro': 'Para terminar de crear su cuenta en {site}, confirme su dirección de correo electrónico.',
  'mail.confirmation.button': 'Confirmar mi dirección de correo electrónico',
  'mail.confirmation.outro':
    'Se le pedirá la contraseña que eligió. El enlace es válido durante {expires_in} y solo una vez. Si usted no se registró, ignore este correo: la cuenta no se activará.',
  'mail.resetting.subject': 'Restablezca su contraseña de {site}',
  'mail.resetting.openLink':
    'Alguien (esperamos que usted) ha solicitado restablecer la contraseña de su cuenta en {site}. Para elegir una nueva contraseña, abra este enlace:',
  'mail.resetting.intro':
    'Alguien (esperamos que usted) ha solicitado restablecer la contraseña de su cuenta en {site}.',
  'mail.resetting.button': 'Elegir una nueva contraseña',
  'mail.resetting.outro':
    'El enlace es válido durante {expires_in} y solo una vez. Al establecer una nueva contraseña se cierran todas sus sesiones y se desconectan las aplicaciones que usan su cuenta.',
  'mail.resetting.ignore': 'Si no lo ha solicitado, ignore este correo: su contraseña seguirá siendo la misma.',
  'mail.password_changed.subject': 'Se ha cambiado su contraseña de {site}',
  'mail.password_changed.body': 'Se acaba de cambiar la contraseña de su cuenta en {site}.',
  'mail.password_changed.notYou':
    'Si no ha sido usted, restablezca ahora su contraseña con «¿Ha olvidado su contraseña?» en la página de inicio de sesión.',
  'mail.email_changed.subject': 'Se ha cambiado su dirección de correo electrónico en {site}',
  'mail.email_changed.body':
    'La dirección de correo electrónico de su cuenta en {site} se ha cambiado a <b>{new_email}</b>. Los mensajes sobre su cuenta se envían ahora a esa dirección.',
  'mail.email_changed.notYou': 'Si no ha sido usted, póngase en contacto con los administradores de {site}.',
  'mail.email_change.subject': 'Confirme su nueva dirección de correo electrónico en {site}',
  'mail.email_change.openLink':
    'Ha solicitado cambiar la dirección de correo electrónico de su cuenta en {site} por esta, <b>{new_email}</b>. Para confirmarlo, abra este enlace:',
  'mail.email_change.intro':
    'Ha solicitado cambiar la dirección de correo electrónico de su cuenta en {site} por esta, <b>{new_email}</b>.',
  'mail.email_change.button': 'Confirmar mi nueva dirección de correo electrónico',
  'mail.email_change.outro':
    'Se le pedirá su contraseña. El enlace es válido durante {expires_in} y solo una vez. Hasta que lo siga, su cuenta mantiene su dirección actual. Si no lo ha solicitado, ignore este correo: no cambiará nada.',
  'mail.email_change_requested.subject': 'Se ha solicitado cambiar su dirección de correo electrónico en {site}',
  'mail.email_change_requested.body':
    'Alguien con la sesión iniciada en su cuenta de {site} ha solicitado cambiar su dirección de correo electrónico a <b>{new_email}</b>. Se ha enviado allí un enlace de confirmación; su dirección solo cambia si se sigue ese enlace (con su contraseña).',
  'mail.email_change_requested.notYou':
    'Si no ha sido usted, cambie ahora su contraseña (o use «¿Ha olvidado su contraseña?» en la página de inicio de sesión): el enlace dejará de servir y se cerrará la sesión en sus otros dispositivos.',
  'mail.email_in_use.subject': 'Su dirección de correo electrónico de {site} se ha indicado para otra cuenta',
  'mail.email_in_use.body':
    'Alguien (quizá usted, desde otra cuenta) ha intentado usar esta dirección de correo electrónico para una cuenta de {site}. Ya pertenece a su cuenta, cuyo nombre de usuario es <b>{username}</b>, y sigue siendo suya: no ha cambiado nada.',
  'mail.email_in_use.notYou': 'Si no ha sido usted, no tiene que hacer nada.',
  'mail.already_registered.subject': 'Ya tiene una cuenta en {site}',
  'mail.already_registered.body':
    'Alguien (quizá usted) ha intentado registrarse en {site} con esta dirección de correo electrónico. Ya pertenece a su cuenta, cuyo nombre de usuario es <b>{username}</b>.',
  'mail.already_registered.openLink': 'Si ha olvidado su contraseña, puede elegir una nueva aquí:',
  'mail.already_registered.choose': 'Si ha olvidado su contraseña, puede <a>elegir una nueva</a>.',
  'mail.already_registered.ignore': 'Si no ha sido usted, ignore este correo: no ha cambiado nada.',
};
