import type { Catalog } from './en.js';

/** German. Quotes are typographic („…“); an apostrophe would start a quotation in ICU MessageFormat. */
export const de: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Sprache',

  'login.title': 'Anmelden',
  'login.titleAgain': 'Erneut anmelden',
  'login.leadApp': 'um mit <b>{app}</b> fortzufahren',
  'login.lead': 'mit Ihrem Gatehouse-Konto',
  'login.username': 'Benutzername',
  'login.password': 'Passwort',
  'login.notYou': 'Nicht Sie?',
  'login.submit': 'Anmelden',
  'login.hint': 'Sie können sich mit Ihrem Benutzernamen oder Ihrer E-Mail-Adresse anmelden.',
  'login.forgot': 'Passwort vergessen?',
  'login.register': 'Konto erstellen',
  'login.missing': 'Geben Sie Ihren Benutzernamen und Ihr Passwort ein.',
  'login.incorrect': 'Benutzername oder Passwort ist falsch.',
  'login.unconfirmed':
    'Ihre E-Mail-Adresse ist noch nicht bestätigt. Folgen Sie dem Link, den wir Ihnen geschickt haben, oder fordern Sie mit „Passwort vergessen?“ einen neuen an.',
  'login.busy':
    'Gatehouse ist gerade zu ausgelastet, um Ihr Passwort zu prüfen. Bitte versuchen Sie es in {seconds, plural, one {# Sekunde} other {# Sekunden}} erneut.',
  'login.throttled':
    'Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie {seconds, plural, one {# Sekunde} other {# Sekunden}} und versuchen Sie es dann erneut.',
  'login.noticeReset': 'Ihr Passwort wurde geändert. Melden Sie sich mit Ihrem neuen Passwort an.',
  'signedIn.title': 'Angemeldet',
  'signedIn.heading': 'Sie sind angemeldet',
  'signedIn.lead': 'als <b>{username}</b>.',
  'common.yourAccount': 'Ihr Konto',
  'common.signOut': 'Abmelden',
  'common.cancel': 'Abbrechen',
  'common.signedInAs': 'Angemeldet als <b>{username}</b>',
  'common.backToSignIn': 'Zurück zur Anmeldung',
  'common.continue': 'Weiter',
  'common.knowWhoYouAre': 'Wissen, wer Sie auf diesem Server sind',
  'common.askingFor': 'Sie bittet um die Erlaubnis:',
  'common.deny': 'Ablehnen',

  'throttle.passwords':
    'Zu viele falsche Passwörter. Bitte warten Sie {seconds, plural, one {# Sekunde} other {# Sekunden}} und versuchen Sie es dann erneut.',
  'throttle.network':
    'Zu viele Anfragen aus Ihrem Netzwerk. Bitte warten Sie {seconds, plural, one {# Sekunde} other {# Sekunden}} und versuchen Sie es dann erneut.',
  'password.rule':
    'Mindestens {min, plural, one {# Zeichen} other {# Zeichen}}; weder Ihr Benutzername noch Ihre E-Mail-Adresse.',

  'scope.openid': 'Sie mit Ihrem Konto anmelden',
  'scope.profile': 'Ihren Benutzernamen und Namen sehen',
  'scope.email': 'Ihre E-Mail-Adresse sehen',
  'scope.offline_access': 'Zugriff behalten, wenn Sie die App nicht verwenden (bis Sie ihn entziehen)',

  'consent.title': 'Zugriff erlauben',
  'consent.heading': '<b>{app}</b> möchte auf Ihr Konto zugreifen',
  'consent.allow': 'Erlauben',
  'consent.sendsBack': 'Nach dem Erlauben geht es zurück zu <b>{host}</b>.',
  'consent.remembered': 'Nach diesen Berechtigungen werden Sie nicht noch einmal gefragt.',
  'consent.notRemembered':
    'Sie werden beim nächsten Mal erneut gefragt: Gatehouse kann nicht prüfen, welche App auf Ihrem Gerät dies ist.',

  'logout.heading': 'Abmelden?',
  'logout.lead': 'Sie sind als <b>{username}</b> angemeldet.',
  'logout.thenAnother': 'Danach können Sie sich mit einem anderen Konto anmelden.',
  'signedOut.title': 'Abgemeldet',
  'signedOut.heading': 'Sie sind abgemeldet',
  'signedOut.lead': 'Sie können dieses Fenster schließen.',
  'signedOut.again': 'Erneut anmelden',
  'endSession.heading': 'Von Gatehouse abmelden?',
  'endSession.leadApp': '<b>{app}</b> möchte Sie abmelden.',
  'endSession.lead': 'Eine App möchte Sie abmelden.',
  'endSession.otherSession':
    'Die App hat sich mit einem anderen Konto oder einer anderen Sitzung als dieser angemeldet. Abmelden beendet die Sitzung dieses Browsers.',
  'endSession.note': 'Abmelden beendet Ihre Gatehouse-Sitzung und die Anmeldungen der Apps, die sie verwendet haben.',
  'stillSignedIn.title': 'Weiterhin angemeldet',
  'stillSignedIn.heading': 'Sie sind weiterhin angemeldet',
  'stillSignedIn.lead':
    'als <b>{username}</b>: Ihre Gatehouse-Sitzung ist unverändert (die App hat Sie bei sich womöglich schon abgemeldet).',
  'stillSignedIn.backTo': 'Zurück zu {app}',
  'stillSignedIn.backToApp': 'Zurück zur App',

  'register.title': 'Konto erstellen',
  'register.lead': 'Wählen Sie einen Benutzernamen und ein Passwort.',
  'register.email': 'E-Mail-Adresse',
  'register.passwordAgain': 'Passwort wiederholen',
  'register.submit': 'Konto erstellen',
  'register.haveAccount': 'Ich habe bereits ein Konto',
  'register.closedTitle': 'Die Registrierung ist geschlossen',
  'register.closedMessage': 'Konten auf diesem Server werden von seinen Administratoren angelegt.',
  'checkEmail.title': 'Sehen Sie in Ihre E-Mails',
  'checkEmail.signUp':
    'Wir haben einen Link an die angegebene Adresse geschickt. Folgen Sie ihm, um Ihr Konto zu aktivieren.',
  'checkEmail.signUpContinue':
    'Wir haben einen Link an die angegebene Adresse geschickt. Folgen Sie ihm, um Ihr Konto zu aktivieren, und melden Sie sich dann hier an, um fortzufahren.',
  'checkEmail.reset':
    'Wenn der angegebene Name oder die Adresse zu einem Konto gehört, haben wir einen Link zum Wählen eines neuen Passworts an dessen E-Mail-Adresse geschickt.',
  'checkEmail.expires':
    'Der Link ist {duration} gültig. Nichts angekommen? Sehen Sie im Spam-Ordner nach oder fragen Sie in ein paar Minuten erneut.',
  'confirm.title': 'Bestätigen Sie Ihre E-Mail-Adresse',
  'confirm.lead':
    'und aktivieren Sie das Konto <b>{username}</b>. Geben Sie das Passwort ein, das Sie bei der Registrierung gewählt haben.',
  'confirm.submit': 'Bestätigen und mein Konto aktivieren',
  'confirm.notYours':
    'Nicht Ihr Konto? Dann hat sich jemand anderes mit Ihrer Adresse registriert: Ignorieren Sie diese Seite und die E-Mail, dann wird das Konto nicht aktiviert.',
  'confirm.wrongPassword':
    'Das Passwort ist falsch. Geben Sie das Passwort ein, das Sie bei der Registrierung gewählt haben (oder registrieren Sie sich erneut, um ein anderes zu wählen).',
  'confirm.linkNotUsable':
    'Er ist abgelaufen, wurde schon verwendet, oder ein neuerer Link wurde verschickt. Ist Ihr Konto noch nicht aktiv, fordern Sie mit „Passwort vergessen?“ auf der Anmeldeseite einen neuen Link an.',
  'link.notUsableTitle': 'Dieser Link funktioniert nicht mehr',

  'reset.title': 'Passwort zurücksetzen',
  'reset.lead':
    'Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein. Gehört sie zu einem Konto, schicken wir Ihnen einen Link, um ein neues Passwort zu wählen.',
  'reset.login': 'Benutzername oder E-Mail-Adresse',
  'reset.submit': 'Link schicken',
  'reset.missing': 'Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein.',
  'reset.linkNotUsable':
    'Er ist abgelaufen, wurde schon verwendet, oder ein neuerer Link wurde verschickt. Fordern Sie auf der Seite „Passwort vergessen?“ einen neuen an.',
  'resetPassword.title': 'Neues Passwort wählen',
  'resetPassword.lead':
    'für <b>{username}</b>. Sie werden überall abgemeldet, und Apps, die Ihr Konto verwenden, müssen erneut erlaubt werden.',
  'resetPassword.new': 'Neues Passwort',
  'resetPassword.newAgain': 'Neues Passwort wiederholen',
  'resetPassword.submit': 'Neues Passwort speichern',

  'account.title': 'Ihr Konto',
  'account.lead': 'Angemeldet als <b>{username}</b>.',
  'account.nameHeading': 'Ihr Name',
  'account.nameLead': 'Apps, bei denen Sie sich mit diesem Konto anmelden, sehen diesen Namen.',
  'account.name': 'Name',
  'account.saveName': 'Namen speichern',
  'account.profileHeading': 'Profil',
  'account.verified': 'Diese Adresse ist bestätigt: Sie sind einem Link gefolgt, den wir an sie geschickt haben.',
  'account.unverified':
    'Diese Adresse ist noch nicht bestätigt, und Apps erfahren das. Eine Änderung schickt einen Link an die neue Adresse, der sie bestätigt.',
  'account.currentPassword': 'Aktuelles Passwort',
  'account.saveProfile': 'Profil speichern',
  'account.passwordHeading': 'Passwort ändern',
  'account.changePassword': 'Passwort ändern',
  'account.passwordNote': '{rule} Eine Änderung meldet Sie auf Ihren anderen Geräten ab.',
  'account.appsHeading': 'Apps mit Zugriff',
  'account.noScopes': 'keine Berechtigungen',
  'account.allowedOn': 'erlaubt am {date}',
  'account.signedInOn': 'angemeldet am {date}',
  'account.removeAccess': 'Zugriff entziehen',
  'account.removeAccessFor': 'Zugriff für {app} entziehen',
  'account.noApps': 'Keine App hat Zugriff auf Ihr Konto.',
  'account.done.confirmed': 'Ihre E-Mail-Adresse ist bestätigt und Ihr Konto ist aktiv.',
  'account.done.profile': 'Ihr Profil wurde gespeichert.',
  'account.done.name': 'Ihr Name wurde gespeichert.',
  'account.done.email':
    'Ihr Profil wurde gespeichert. Um Ihre E-Mail-Adresse zu ändern, folgen Sie dem Link, den wir an die neue Adresse geschickt haben: Bis dahin bleibt Ihre aktuelle Adresse.',
  'account.done.password': 'Ihr Passwort wurde geändert. Ihre anderen Geräte wurden abgemeldet.',
  'account.done.revoked': 'Die App hat keinen Zugriff mehr auf Ihr Konto.',
  'emailConfirm.title': 'Bestätigen Sie Ihre neue E-Mail-Adresse',
  'emailConfirm.lead':
    'Das Konto <b>{username}</b> verwendet ab jetzt <b>{email}</b>. Geben Sie zur Bestätigung das Passwort des Kontos ein.',
  'emailConfirm.submit': 'Meine neue E-Mail-Adresse bestätigen',
  'emailConfirm.notAsked': 'Nicht angefordert? Ignorieren Sie diese Seite: Die Adresse des Kontos ändert sich nicht.',
  'emailConfirm.wrongPassword': 'Das Passwort ist falsch. Geben Sie das aktuelle Passwort des Kontos ein.',
  'emailConfirm.linkNotUsable':
    'Er ist abgelaufen, wurde schon verwendet, oder ein neuerer Link wurde verschickt. Fordern Sie die Änderung auf Ihrer Kontoseite erneut an.',
  'emailConfirm.takenTitle': 'Diese Adresse ist nicht mehr frei',
  'emailConfirm.takenMessage':
    'Ein anderes Konto verwendet diese E-Mail-Adresse inzwischen, daher wurde Ihre Adresse nicht geändert. Wählen Sie auf Ihrer Kontoseite eine andere.',
  'emailChanged.title': 'E-Mail-Adresse geändert',
  'emailChanged.lead': 'Ihr Konto verwendet jetzt <b>{email}</b>. Nachrichten dazu gehen ab jetzt dorthin.',

  'problem.passwordsDiffer': 'Die beiden Passwörter stimmen nicht überein.',
  'problem.passwordTooShort':
    'Das Passwort muss mindestens {min, plural, one {# Zeichen} other {# Zeichen}} lang sein.',
  'problem.passwordTooLong': 'Das Passwort darf höchstens {max, plural, one {# Zeichen} other {# Zeichen}} lang sein.',
  'problem.passwordIsName': 'Das Passwort darf weder der Benutzername noch die E-Mail-Adresse sein.',
  'problem.currentPasswordIncorrect': 'Das aktuelle Passwort ist falsch.',
  'problem.passwordChangedMeanwhile': 'Ihr Passwort wurde inzwischen geändert: Melden Sie sich erneut an.',
  'problem.usernameTaken': 'Ein Benutzer mit diesem Benutzernamen existiert bereits.',
  'problem.emailTaken': 'Ein Benutzer mit dieser E-Mail-Adresse existiert bereits.',
  'problem.emailInvalid': 'Die E-Mail-Adresse ist ungültig.',
  'problem.usernameInvalid': 'Der Benutzername muss aus 1–64 Buchstaben, Ziffern, „.“, „_“ oder „-“ bestehen.',
  'problem.usernameMixedScripts':
    'Der Benutzername mischt Buchstaben verschiedener Schriften ({scripts}), was einen anderen Namen nachahmen kann: Verwenden Sie eine Schrift.',
  'problem.nameTooLong': 'Der Name darf höchstens {max, plural, one {# Zeichen} other {# Zeichen}} lang sein.',
  'problem.nameControl': 'Der Name darf keine Steuerzeichen, Zeilenumbrüche oder Schreibrichtungswechsel enthalten.',
  'problem.other': '{message}',

  'device.title': 'Gerät verbinden',
  'device.lead': 'Geben Sie den Code ein, der auf Ihrem Gerät angezeigt wird.',
  'device.code': 'Code',
  'device.note': 'Geben Sie nur einen Code von einem Gerät ein, das Sie selbst einrichten.',
  'device.throttled':
    'Zu viele falsche Codes. Bitte warten Sie {seconds, plural, one {# Sekunde} other {# Sekunden}} und versuchen Sie es dann erneut.',
  'device.invalidCode':
    'Dieser Code ist ungültig oder abgelaufen. Prüfen Sie den Code auf Ihrem Gerät und versuchen Sie es erneut.',
  'device.consentLead':
    'Ein Gerät bittet um Zugriff auf Ihr Konto. Stimmen Sie nur zu, wenn Sie dies auf einem eigenen Gerät begonnen haben und es den eingegebenen Code anzeigt.',
  'device.approve': 'Zustimmen',
  'device.approvedTitle': 'Gerät verbunden',
  'device.approvedLead': '<b>{app}</b> kann jetzt auf Ihr Konto zugreifen. Sie können zu Ihrem Gerät zurückkehren.',
  'device.deniedTitle': 'Zugriff abgelehnt',
  'device.deniedLead':
    'Das Gerät hat keinen Zugriff auf Ihr Konto erhalten (<b>{app}</b>). Sie können dieses Fenster schließen.',

  'error.busyTitle': 'Bitte versuchen Sie es gleich noch einmal',
  'error.busy':
    'Gatehouse ist gerade zu ausgelastet, um Ihr Passwort zu prüfen. Bitte versuchen Sie es in {seconds, plural, one {# Sekunde} other {# Sekunden}} erneut.',
  'error.databaseDown': 'Gatehouse erreicht seine Datenbank gerade nicht.',
  'error.serverTitle': 'Etwas ist schiefgegangen',
  'error.server': 'Gatehouse konnte diese Anfrage nicht abschließen. Bitte versuchen Sie es erneut.',
  'error.methodTitle': 'Nicht erlaubt',
  'error.method': 'Diese Seite kann so nicht verwendet werden.',
  'error.requestTitle': 'Diese Anfrage kann nicht verwendet werden',
  'error.request': 'Die Seite hat eine Anfrage erhalten, die sie nicht annehmen kann.',
  'error.csrfTitle': 'Bitte versuchen Sie es erneut',
  'error.csrf':
    'Dieses Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut. Zum Anmelden müssen Cookies aktiviert sein.',
  'error.signInExpiredTitle': 'Dieser Anmeldelink ist abgelaufen',
  'error.signInExpired':
    'Gehen Sie zurück zu der App, von der Sie kamen, und beginnen Sie erneut. Es wurde nichts mit ihr geteilt.',
  'error.untrustedTitle': 'Dieser Anmeldelink funktioniert nicht',
  'error.untrusted':
    'Die App, die Sie hierher geschickt hat, hat eine Anfrage gestellt, die Gatehouse nicht annehmen kann. Sie wurden daher nicht zu ihr zurückgeschickt, und es wurde nichts geteilt.',
  'error.consentExpiredTitle': 'Diese Seite ist abgelaufen',
  'error.consentExpired':
    'Diese Anfrage wurde bereits beantwortet oder war zu lange offen. Gehen Sie zurück zur App und beginnen Sie erneut.',
  'error.logoutExpiredTitle': 'Diese Abmeldeanfrage ist abgelaufen',
  'error.logoutExpired':
    'Sie wurde bereits beantwortet oder war zu lange offen. Gehen Sie zurück zur App und melden Sie sich erneut ab.',
  'error.languageTitle': 'Diese Sprache ist nicht verfügbar',
  'error.language': 'Wählen Sie eine der unten aufgeführten Sprachen.',
  'error.detail': 'Für die Entwickler der App:',
  'next.backToApp': 'Gehen Sie zurück zu <a>{app}</a> und beginnen Sie die Anmeldung erneut.',
  'next.signIn': 'Zur <a>Anmeldeseite</a>.',
  'next.account': 'Zu <a>Ihrem Konto</a>.',

  'duration.days': '{count, plural, one {# Tag} other {# Tage}}',
  'duration.hours': '{count, plural, one {# Stunde} other {# Stunden}}',
  'duration.minutes': '{count, plural, one {# Minute} other {# Minuten}}',
  'duration.seconds': '{count, plural, one {# Sekunde} other {# Sekunden}}',

  'mail.hello': 'Hallo {username},',
  'mail.pasteLink': 'Oder fügen Sie diese Adresse in Ihren Browser ein:',
  'mail.confirmation.subject': 'Bestätigen Sie Ihre E-Mail-Adresse für {site}',
  'mail.confirmation.openLink': 'Um die Erstellung Ihres Kontos auf {site} abzuschließen, öffnen Sie diesen Link:',
  'mail.confirmation.intro':
    'Um die Erstellung Ihres Kontos auf {site} abzuschließen, bestätigen Sie Ihre E-Mail-Adresse.',
  'mail.confirmation.button': 'Meine E-Mail-Adresse bestätigen',
  'mail.confirmation.outro':
    'Sie werden nach dem gewählten Passwort gefragt. Der Link ist {expires_in} gültig, einmal. Wenn Sie sich nicht registriert haben, ignorieren Sie diese E-Mail: Das Konto wird nicht aktiviert.',
  'mail.resetting.subject': 'Setzen Sie Ihr Passwort für {site} zurück',
  'mail.resetting.openLink':
    'Jemand (hoffentlich Sie) möchte das Passwort Ihres Kontos auf {site} zurücksetzen. Um ein neues Passwort zu wählen, öffnen Sie diesen Link:',
  'mail.resetting.intro': 'Jemand (hoffentlich Sie) möchte das Passwort Ihres Kontos auf {site} zurücksetzen.',
  'mail.resetting.button': 'Neues Passwort wählen',
  'mail.resetting.outro':
    'Der Link ist {expires_in} gültig, einmal. Ein neues Passwort meldet Sie überall ab und trennt die Apps, die Ihr Konto verwenden.',
  'mail.resetting.ignore':
    'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt, wie es ist.',
  'mail.password_changed.subject': 'Ihr Passwort für {site} wurde geändert',
  'mail.password_changed.body': 'Das Passwort Ihres Kontos auf {site} wurde soeben geändert.',
  'mail.password_changed.notYou':
    'Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt mit „Passwort vergessen?“ auf der Anmeldeseite zurück.',
  'mail.email_changed.subject': 'Ihre E-Mail-Adresse auf {site} wurde geändert',
  'mail.email_changed.body':
    'Die E-Mail-Adresse Ihres Kontos auf {site} wurde in <b>{new_email}</b> geändert. Nachrichten zu Ihrem Konto gehen jetzt dorthin.',
  'mail.email_changed.notYou': 'Wenn Sie das nicht waren, wenden Sie sich an die Administratoren von {site}.',
  'mail.email_change.subject': 'Bestätigen Sie Ihre neue E-Mail-Adresse für {site}',
  'mail.email_change.openLink':
    'Sie möchten die E-Mail-Adresse Ihres Kontos auf {site} in diese ändern: <b>{new_email}</b>. Zum Bestätigen öffnen Sie diesen Link:',
  'mail.email_change.intro':
    'Sie möchten die E-Mail-Adresse Ihres Kontos auf {site} in diese ändern: <b>{new_email}</b>.',
  'mail.email_change.button': 'Meine neue E-Mail-Adresse bestätigen',
  'mail.email_change.outro':
    'Sie werden nach Ihrem Passwort gefragt. Der Link ist {expires_in} gültig, einmal. Bis Sie ihm folgen, behält Ihr Konto seine aktuelle Adresse. Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Nichts ändert sich.',
  'mail.email_change_requested.subject': 'Eine Änderung Ihrer E-Mail-Adresse auf {site} wurde angefordert',
  'mail.email_change_requested.body':
    'Jemand, der in Ihrem Konto auf {site} angemeldet ist, möchte dessen E-Mail-Adresse in <b>{new_email}</b> ändern. Dorthin wurde ein Bestätigungslink geschickt; Ihre Adresse ändert sich nur, wenn ihm (mit Ihrem Passwort) gefolgt wird.',
  'mail.email_change_requested.notYou':
    'Wenn Sie das nicht waren, ändern Sie jetzt Ihr Passwort (oder verwenden Sie „Passwort vergessen?“ auf der Anmeldeseite): Der Link ist dann wertlos, und Ihre anderen Geräte werden abgemeldet.',
  'mail.email_in_use.subject': 'Ihre E-Mail-Adresse auf {site} wurde für ein anderes Konto angegeben',
  'mail.email_in_use.body':
    'Jemand (vielleicht Sie, von einem anderen Konto aus) wollte diese E-Mail-Adresse zur Adresse eines Kontos auf {site} machen. Sie gehört bereits zu Ihrem Konto mit dem Benutzernamen <b>{username}</b> und bleibt Ihre: Nichts hat sich geändert.',
  'mail.email_in_use.notYou': 'Wenn Sie das nicht waren, müssen Sie nichts tun.',
  'mail.already_registered.subject': 'Sie haben bereits ein Konto auf {site}',
  'mail.already_registered.body':
    'Jemand (vielleicht Sie) wollte sich auf {site} mit dieser E-Mail-Adresse registrieren. Sie gehört bereits zu Ihrem Konto mit dem Benutzernamen <b>{username}</b>.',
  'mail.already_registered.openLink': 'Wenn Sie Ihr Passwort vergessen haben, können Sie hier ein neues wählen:',
  'mail.already_registered.choose': 'Wenn Sie Ihr Passwort vergessen haben, können Sie <a>ein neues wählen</a>.',
  'mail.already_registered.ignore': 'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Nichts hat sich geändert.',
};
