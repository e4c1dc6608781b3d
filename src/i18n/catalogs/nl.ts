import type { Catalog } from './en.js';

/**
 * Dutch. The user is "je", as Dutch account pages commonly say it (and "jij"/"jouw" where the
 * stress falls on it). Quotes are typographic (“…”); an apostrophe would start a quotation in
 * ICU MessageFormat, so a Dutch one is ’ (U+2019).
 */
export const nl: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Taal',

  'login.title': 'Inloggen',
  'login.titleAgain': 'Opnieuw inloggen',
  'login.leadApp': 'om verder te gaan naar <b>{app}</b>',
  'login.lead': 'met je Gatehouse-account',
  'login.username': 'Gebruikersnaam',
  'login.password': 'Wachtwoord',
  'login.notYou': 'Niet jij?',
  'login.submit': 'Inloggen',
  'login.hint': 'Je kunt inloggen met je gebruikersnaam of je e-mailadres.',
  'login.forgot': 'Wachtwoord vergeten?',
  'login.register': 'Account maken',
  'login.missing': 'Vul je gebruikersnaam en wachtwoord in.',
  'login.incorrect': 'De gebruikersnaam of het wachtwoord is onjuist.',
  'login.unconfirmed':
    'Je e-mailadres is nog niet bevestigd. Volg de link die we je hebben gestuurd, of vraag met “Wachtwoord vergeten?” een nieuwe aan.',
  'login.busy':
    'Gatehouse heeft het nu te druk om je wachtwoord te controleren. Probeer het over {seconds, plural, one {# seconde} other {# seconden}} opnieuw.',
  'login.throttled':
    'Te veel mislukte inlogpogingen. Wacht {seconds, plural, one {# seconde} other {# seconden}} en probeer het dan opnieuw.',
  'login.noticeReset': 'Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord.',
  'signedIn.title': 'Ingelogd',
  'signedIn.heading': 'Je bent ingelogd',
  'signedIn.lead': 'als <b>{username}</b>.',
  'common.yourAccount': 'Je account',
  'common.signOut': 'Uitloggen',
  'common.cancel': 'Annuleren',
  'common.signedInAs': 'Ingelogd als <b>{username}</b>',
  'common.backToSignIn': 'Terug naar inloggen',
  'common.continue': 'Doorgaan',
  'common.knowWhoYouAre': 'Weten wie je bent op deze server',
  'common.askingFor': 'Er wordt toestemming gevraagd voor het volgende:',
  'common.deny': 'Weigeren',

  'throttle.passwords':
    'Te veel onjuiste wachtwoorden. Wacht {seconds, plural, one {# seconde} other {# seconden}} en probeer het dan opnieuw.',
  'throttle.network':
    'Te veel verzoeken vanaf je netwerk. Wacht {seconds, plural, one {# seconde} other {# seconden}} en probeer het dan opnieuw.',
  'password.rule':
    'Gebruik minstens {min, plural, one {# teken} other {# tekens}}, en niet je gebruikersnaam of e-mailadres.',

  'scope.openid': 'Je laten inloggen met je account',
  'scope.profile': 'Je gebruikersnaam en naam zien',
  'scope.email': 'Je e-mailadres zien',
  'scope.offline_access': 'Toegang houden als je de app niet gebruikt (totdat je die intrekt)',

  'consent.title': 'Toegang toestaan',
  'consent.heading': '<b>{app}</b> wil toegang tot je account',
  'consent.allow': 'Toestaan',
  'consent.sendsBack': 'Als je toestaat, ga je terug naar <b>{host}</b>.',
  'consent.remembered': 'Je wordt niet opnieuw om deze machtigingen gevraagd.',
  'consent.notRemembered':
    'Volgende keer wordt het je opnieuw gevraagd: Gatehouse kan niet controleren welke app op je apparaat dit is.',

  'logout.heading': 'Uitloggen?',
  'logout.lead': 'Je bent ingelogd als <b>{username}</b>.',
  'logout.thenAnother': 'Daarna kun je met een ander account inloggen.',
  'signedOut.title': 'Uitgelogd',
  'signedOut.heading': 'Je bent uitgelogd',
  'signedOut.lead': 'Je kunt dit venster sluiten.',
  'signedOut.again': 'Opnieuw inloggen',
  'endSession.heading': 'Uitloggen bij Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> vraagt om je uit te loggen.',
  'endSession.lead': 'Een app vraagt om je uit te loggen.',
  'endSession.otherSession':
    'De app is ingelogd met een ander account of een andere sessie dan deze. Uitloggen beëindigt de sessie van deze browser.',
  'endSession.note': 'Uitloggen beëindigt je Gatehouse-sessie, en de aanmeldingen van de apps die deze gebruikten.',
  'stillSignedIn.title': 'Nog steeds ingelogd',
  'stillSignedIn.heading': 'Je bent nog steeds ingelogd',
  'stillSignedIn.lead':
    'als <b>{username}</b>: je Gatehouse-sessie is ongewijzigd (de app heeft je misschien al bij zichzelf uitgelogd).',
  'stillSignedIn.backTo': 'Terug naar {app}',
  'stillSignedIn.backToApp': 'Terug naar de app',

  'register.title': 'Account maken',
  'register.lead': 'Kies een gebruikersnaam en een wachtwoord.',
  'register.email': 'E-mailadres',
  'register.passwordAgain': 'Herhaal wachtwoord',
  'register.submit': 'Account maken',
  'register.haveAccount': 'Ik heb al een account',
  'register.closedTitle': 'Registreren is niet mogelijk',
  'register.closedMessage': 'Accounts op deze server worden door de beheerders aangemaakt.',
  'checkEmail.title': 'Controleer je e-mail',
  'checkEmail.signUp':
    'We hebben een link gestuurd naar het adres dat je hebt opgegeven. Volg die link om je account te activeren.',
  'checkEmail.signUpContinue':
    'We hebben een link gestuurd naar het adres dat je hebt opgegeven. Volg die link om je account te activeren, kom dan hier terug en log in om verder te gaan.',
  'checkEmail.reset':
    'Als de naam of het adres dat je hebt opgegeven bij een account hoort, hebben we naar het e-mailadres van dat account een link gestuurd om een nieuw wachtwoord te kiezen.',
  'checkEmail.expires':
    'De link is {duration} geldig. Niets ontvangen? Kijk in je spammap, of vraag het over een paar minuten opnieuw.',
  'confirm.title': 'Bevestig je e-mailadres',
  'confirm.lead':
    'en activeer het account <b>{username}</b>. Vul het wachtwoord in dat je bij het registreren hebt gekozen.',
  'confirm.submit': 'Bevestigen en mijn account activeren',
  'confirm.notYours':
    'Niet jouw account? Dan heeft iemand anders zich met jouw adres geregistreerd: negeer deze pagina en de e-mail, dan wordt het account niet geactiveerd.',
  'confirm.wrongPassword':
    'Het wachtwoord is onjuist. Vul het wachtwoord in dat je bij het registreren hebt gekozen (of registreer je opnieuw om een ander te kiezen).',
  'confirm.linkNotUsable':
    'De link is verlopen of al gebruikt, of er is intussen een nieuwere gestuurd. Is je account nog niet actief? Vraag dan met “Wachtwoord vergeten?” op de inlogpagina een nieuwe link aan.',
  'link.notUsableTitle': 'Deze link werkt niet meer',

  'reset.title': 'Je wachtwoord opnieuw instellen',
  'reset.lead':
    'Vul je gebruikersnaam of e-mailadres in. Hoort die bij een account, dan mailen we je een link om een nieuw wachtwoord te kiezen.',
  'reset.login': 'Gebruikersnaam of e-mailadres',
  'reset.submit': 'Stuur me een link',
  'reset.missing': 'Vul je gebruikersnaam of e-mailadres in.',
  'reset.linkNotUsable':
    'De link is verlopen of al gebruikt, of er is intussen een nieuwere gestuurd. Vraag een nieuwe aan op de pagina “Wachtwoord vergeten?”.',
  'resetPassword.title': 'Kies een nieuw wachtwoord',
  'resetPassword.lead':
    'voor <b>{username}</b>. Je wordt overal uitgelogd, en apps die je account gebruiken, moeten opnieuw toestemming krijgen.',
  'resetPassword.new': 'Nieuw wachtwoord',
  'resetPassword.newAgain': 'Herhaal nieuw wachtwoord',
  'resetPassword.submit': 'Mijn nieuwe wachtwoord instellen',

  'account.title': 'Je account',
  'account.lead': 'Ingelogd als <b>{username}</b>.',
  'account.nameHeading': 'Je naam',
  'account.nameLead': 'Apps waarbij je met dit account inlogt, zien deze naam.',
  'account.name': 'Naam',
  'account.saveName': 'Naam opslaan',
  'account.profileHeading': 'Profiel',
  'account.verified': 'Dit adres is geverifieerd: je hebt een link gevolgd die we ernaartoe hebben gestuurd.',
  'account.unverified':
    'Dit adres is nog niet geverifieerd, en apps krijgen dat te horen. Als je het wijzigt, sturen we een link naar het nieuwe adres, waarmee het wordt geverifieerd.',
  'account.currentPassword': 'Huidig wachtwoord',
  'account.saveProfile': 'Profiel opslaan',
  'account.passwordHeading': 'Wachtwoord wijzigen',
  'account.changePassword': 'Wachtwoord wijzigen',
  'account.passwordNote': '{rule} Als je het wijzigt, word je op je andere apparaten uitgelogd.',
  'account.appsHeading': 'Apps met toegang',
  'account.noScopes': 'geen machtigingen',
  'account.allowedOn': 'toegestaan op {date}',
  'account.signedInOn': 'ingelogd op {date}',
  'account.removeAccess': 'Toegang intrekken',
  'account.removeAccessFor': 'Toegang intrekken voor {app}',
  'account.noApps': 'Geen enkele app heeft toegang tot je account.',
  'account.done.confirmed': 'Je e-mailadres is bevestigd en je account is actief.',
  'account.done.profile': 'Je profiel is opgeslagen.',
  'account.done.name': 'Je naam is opgeslagen.',
  'account.done.email':
    'Je profiel is opgeslagen. Volg de link die we naar het nieuwe adres hebben gestuurd om je e-mailadres te wijzigen: tot die tijd blijft je huidige adres in gebruik.',
  'account.done.password': 'Je wachtwoord is gewijzigd. Je bent op je andere apparaten uitgelogd.',
  'account.done.revoked': 'De app heeft geen toegang meer tot je account.',
  'emailConfirm.title': 'Bevestig je nieuwe e-mailadres',
  'emailConfirm.lead':
    'Het account <b>{username}</b> gebruikt voortaan <b>{email}</b>. Vul ter bevestiging het wachtwoord van het account in.',
  'emailConfirm.submit': 'Mijn nieuwe e-mailadres bevestigen',
  'emailConfirm.notAsked': 'Niet door jou aangevraagd? Negeer deze pagina: het adres van het account verandert niet.',
  'emailConfirm.wrongPassword': 'Het wachtwoord is onjuist. Vul het huidige wachtwoord van het account in.',
  'emailConfirm.linkNotUsable':
    'De link is verlopen of al gebruikt, of er is intussen een nieuwere gestuurd. Vraag de wijziging opnieuw aan op je accountpagina.',
  'emailConfirm.takenTitle': 'Dit adres is niet meer beschikbaar',
  'emailConfirm.takenMessage':
    'Een ander account gebruikt dit e-mailadres inmiddels, dus je adres is niet gewijzigd. Kies een ander adres op je accountpagina.',
  'emailChanged.title': 'E-mailadres gewijzigd',
  'emailChanged.lead': 'Je account gebruikt nu <b>{email}</b>. Berichten over je account gaan voortaan daarheen.',

  'problem.passwordsDiffer': 'De twee wachtwoorden komen niet overeen.',
  'problem.passwordTooShort': 'Het wachtwoord moet minstens {min, plural, one {# teken} other {# tekens}} lang zijn.',
  'problem.passwordTooLong': 'Het wachtwoord mag hoogstens {max, plural, one {# teken} other {# tekens}} lang zijn.',
  'problem.passwordIsName': 'Het wachtwoord mag niet de gebruikersnaam of het e-mailadres zijn.',
  'problem.currentPasswordIncorrect': 'Het huidige wachtwoord is onjuist.',
  'problem.passwordChangedMeanwhile': 'Je wachtwoord is intussen gewijzigd: log opnieuw in.',
  'problem.usernameTaken': 'Er bestaat al een gebruiker met deze gebruikersnaam.',
  'problem.emailTaken': 'Er bestaat al een gebruiker met dit e-mailadres.',
  'problem.emailInvalid': 'Het e-mailadres is ongeldig.',
  'problem.usernameInvalid': 'De gebruikersnaam moet bestaan uit 1–64 letters, cijfers, “.”, “_” of “-”.',
  'problem.usernameMixedScripts':
    'De gebruikersnaam mengt letters uit verschillende schriften ({scripts}), waarmee een andere naam kan worden nagebootst: gebruik één schrift.',
  'problem.nameTooLong': 'De naam mag hoogstens {max, plural, one {# teken} other {# tekens}} lang zijn.',
  'problem.nameControl':
    'De naam mag geen stuurtekens, regeleinden of tekens die de schrijfrichting omdraaien bevatten.',
  'problem.other': '{message}',

  'device.title': 'Een apparaat koppelen',
  'device.lead': 'Vul de code in die op je apparaat wordt getoond.',
  'device.code': 'Code',
  'device.note': 'Vul alleen een code in van een apparaat dat je zelf aan het instellen bent.',
  'device.throttled':
    'Te veel onjuiste codes. Wacht {seconds, plural, one {# seconde} other {# seconden}} en probeer het dan opnieuw.',
  'device.invalidCode': 'Die code is ongeldig of verlopen. Controleer de code op je apparaat en probeer het opnieuw.',
  'device.consentLead':
    'Een apparaat vraagt toegang tot je account. Keur dit alleen goed als je dit zelf bent begonnen op een apparaat van jou en het de code toont die je hebt ingevuld.',
  'device.approve': 'Goedkeuren',
  'device.approvedTitle': 'Apparaat gekoppeld',
  'device.approvedLead': '<b>{app}</b> heeft nu toegang tot je account. Je kunt teruggaan naar je apparaat.',
  'device.deniedTitle': 'Toegang geweigerd',
  'device.deniedLead':
    'Het apparaat heeft geen toegang tot je account gekregen (<b>{app}</b>). Je kunt dit venster sluiten.',

  'error.busyTitle': 'Probeer het zo opnieuw',
  'error.busy':
    'Gatehouse heeft het nu te druk om je wachtwoord te controleren. Probeer het over {seconds, plural, one {# seconde} other {# seconden}} opnieuw.',
  'error.databaseDown': 'Gatehouse kan zijn database nu niet bereiken.',
  'error.serverTitle': 'Er is iets misgegaan',
  'error.server': 'Gatehouse kon dit verzoek niet afronden. Probeer het opnieuw.',
  'error.methodTitle': 'Niet toegestaan',
  'error.method': 'Deze pagina kan niet op die manier worden gebruikt.',
  'error.requestTitle': 'Dit verzoek kan niet worden gebruikt',
  'error.request': 'De pagina heeft een verzoek ontvangen dat ze niet kan accepteren.',
  'error.csrfTitle': 'Probeer het opnieuw',
  'error.csrf':
    'Dit formulier is verlopen of is niet vanaf deze site verstuurd. Ga terug, laad de pagina opnieuw en probeer het nog eens. Om in te loggen moeten cookies zijn ingeschakeld.',
  'error.signInExpiredTitle': 'Deze inloglink is verlopen',
  'error.signInExpired': 'Ga terug naar de app waar je vandaan kwam en begin opnieuw. Er is niets met die app gedeeld.',
  'error.untrustedTitle': 'Deze inloglink werkt niet',
  'error.untrusted':
    'De app die je hierheen heeft gestuurd, deed een verzoek dat Gatehouse niet kan accepteren. Je bent daarom niet naar die app teruggestuurd, en er is niets gedeeld.',
  'error.consentExpiredTitle': 'Deze pagina is verlopen',
  'error.consentExpired': 'Dit verzoek is al beantwoord, of stond te lang open. Ga terug naar de app en begin opnieuw.',
  'error.logoutExpiredTitle': 'Dit uitlogverzoek is verlopen',
  'error.logoutExpired': 'Het is al beantwoord, of stond te lang open. Ga terug naar de app en log opnieuw uit.',
  'error.languageTitle': 'Deze taal is niet beschikbaar',
  'error.language': 'Kies een van de talen hieronder.',
  'error.detail': 'Voor de ontwikkelaar van de app:',
  'next.backToApp': 'Ga terug naar <a>{app}</a> en begin opnieuw met inloggen.',
  'next.signIn': 'Ga naar de <a>inlogpagina</a>.',
  'next.account': 'Ga naar <a>je account</a>.',

  'duration.days': '{count, plural, one {# dag} other {# dagen}}',
  'duration.hours': '{count, plural, one {# uur} other {# uur}}',
  'duration.minutes': '{count, plural, one {# minuut} other {# minuten}}',
  'duration.seconds': '{count, plural, one {# seconde} other {# seconden}}',

  'mail.hello': 'Hallo {username},',
  'mail.pasteLink': 'Of plak dit adres in je browser:',
  'mail.confirmation.subject': 'Bevestig je e-mailadres voor {site}',
  'mail.confirmation.openLink': 'Open deze link om het aanmaken van je account op {site} af te ronden:',
  'mail.confirmation.intro': 'Bevestig je e-mailadres om het aanmaken van je account op {site} af te ronden.',
  'mail.confirmation.button': 'Mijn e-mailadres bevestigen',
  'mail.confirmation.outro':
    'Je wordt gevraagd om het wachtwoord dat je hebt gekozen. De link is {expires_in} geldig en werkt één keer. Heb je je niet geregistreerd? Negeer dan deze e-mail: het account wordt niet geactiveerd.',
  'mail.resetting.subject': 'Stel je wachtwoord voor {site} opnieuw in',
  'mail.resetting.openLink':
    'Iemand (hopelijk jij) heeft gevraagd om het wachtwoord van je account op {site} opnieuw in te stellen. Open deze link om een nieuw wachtwoord te kiezen:',
  'mail.resetting.intro':
    'Iemand (hopelijk jij) heeft gevraagd om het wachtwoord van je account op {site} opnieuw in te stellen.',
  'mail.resetting.button': 'Een nieuw wachtwoord kiezen',
  'mail.resetting.outro':
    'De link is {expires_in} geldig en werkt één keer. Met een nieuw wachtwoord word je overal uitgelogd, en worden de apps die je account gebruiken ontkoppeld.',
  'mail.resetting.ignore': 'Heb je dit niet gevraagd? Negeer dan deze e-mail: je wachtwoord blijft zoals het is.',
  'mail.password_changed.subject': 'Je wachtwoord voor {site} is gewijzigd',
  'mail.password_changed.body': 'Het wachtwoord van je account op {site} is zojuist gewijzigd.',
  'mail.password_changed.notYou':
    'Was jij dit niet? Stel dan nu een nieuw wachtwoord in met “Wachtwoord vergeten?” op de inlogpagina.',
  'mail.email_changed.subject': 'Je e-mailadres op {site} is gewijzigd',
  'mail.email_changed.body':
    'Het e-mailadres van je account op {site} is gewijzigd in <b>{new_email}</b>. Berichten over je account gaan nu daarheen.',
  'mail.email_changed.notYou': 'Was jij dit niet? Neem dan contact op met de beheerders van {site}.',
  'mail.email_change.subject': 'Bevestig je nieuwe e-mailadres voor {site}',
  'mail.email_change.openLink':
    'Je hebt gevraagd om het e-mailadres van je account op {site} te wijzigen in dit adres, <b>{new_email}</b>. Open deze link om dat te bevestigen:',
  'mail.email_change.intro':
    'Je hebt gevraagd om het e-mailadres van je account op {site} te wijzigen in dit adres, <b>{new_email}</b>.',
  'mail.email_change.button': 'Mijn nieuwe e-mailadres bevestigen',
  'mail.email_change.outro':
    'Je wordt om je wachtwoord gevraagd. De link is {expires_in} geldig en werkt één keer. Zolang je de link niet volgt, houdt je account zijn huidige adres. Heb je dit niet gevraagd? Negeer dan deze e-mail: er verandert niets.',
  'mail.email_change_requested.subject': 'Er is gevraagd om je e-mailadres op {site} te wijzigen',
  'mail.email_change_requested.body':
    'Iemand die op je account op {site} is ingelogd, heeft gevraagd om het e-mailadres te wijzigen in <b>{new_email}</b>. Daar is een bevestigingslink naartoe gestuurd; je adres verandert alleen als die link wordt gevolgd (met je wachtwoord).',
  'mail.email_change_requested.notYou':
    'Was jij dit niet? Wijzig dan nu je wachtwoord (of gebruik “Wachtwoord vergeten?” op de inlogpagina): de link is dan niets meer waard, en je wordt op je andere apparaten uitgelogd.',
  'mail.email_in_use.subject': 'Je e-mailadres op {site} is opgegeven voor een ander account',
  'mail.email_in_use.body':
    'Iemand (misschien jij, vanuit een ander account) heeft geprobeerd om dit e-mailadres het adres van een account op {site} te maken. Het hoort al bij jouw account met de gebruikersnaam <b>{username}</b>, en het blijft van jou: er is niets veranderd.',
  'mail.email_in_use.notYou': 'Was jij het niet? Dan hoef je niets te doen.',
  'mail.already_registered.subject': 'Je hebt al een account op {site}',
  'mail.already_registered.body':
    'Iemand (misschien jij) heeft geprobeerd om zich met dit e-mailadres op {site} te registreren. Het hoort al bij jouw account met de gebruikersnaam <b>{username}</b>.',
  'mail.already_registered.openLink': 'Ben je je wachtwoord vergeten? Hier kun je een nieuw wachtwoord kiezen:',
  'mail.already_registered.choose': 'Ben je je wachtwoord vergeten? Dan kun je <a>een nieuw wachtwoord kiezen</a>.',
  'mail.already_registered.ignore': 'Was jij het niet? Negeer dan deze e-mail: er is niets veranderd.',
};
