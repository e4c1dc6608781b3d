import type { Catalog } from './en.js';

/**
 * Portuguese as written in Brazil, addressing the user as você. Quotes are curly (“ ”); an
 * apostrophe would start a quotation in ICU MessageFormat. Plurals follow CLDR's rules for pt:
 * `one` is 0 and 1, and a round million takes "de" (`many`: 1.000.000 de segundos).
 */
export const ptBR: Catalog = {
  'layout.title': '{title} · Gatehouse',
  'layout.languages': 'Idioma',

  'login.title': 'Entrar',
  'login.titleAgain': 'Entre novamente',
  'login.leadApp': 'para continuar em <b>{app}</b>',
  'login.lead': 'com sua conta Gatehouse',
  'login.username': 'Nome de usuário',
  'login.password': 'Senha',
  'login.notYou': 'Não é você?',
  'login.submit': 'Entrar',
  'login.hint': 'Você pode entrar com seu nome de usuário ou seu endereço de e-mail.',
  'login.forgot': 'Esqueceu sua senha?',
  'login.register': 'Criar uma conta',
  'login.missing': 'Digite seu nome de usuário e sua senha.',
  'login.incorrect': 'O nome de usuário ou a senha estão incorretos.',
  'login.unconfirmed':
    'Seu endereço de e-mail ainda não foi confirmado. Siga o link que enviamos para você ou use “Esqueceu sua senha?” para receber um novo.',
  'login.busy':
    'O Gatehouse está ocupado demais para verificar sua senha agora. Tente novamente em {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}}.',
  'login.throttled':
    'Muitas tentativas de login sem sucesso. Aguarde {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} e tente novamente.',
  'login.noticeReset': 'Sua senha foi alterada. Entre com sua nova senha.',
  'signedIn.title': 'Conectado',
  'signedIn.heading': 'Você está conectado',
  'signedIn.lead': 'como <b>{username}</b>.',
  'common.yourAccount': 'Sua conta',
  'common.signOut': 'Sair',
  'common.cancel': 'Cancelar',
  'common.signedInAs': 'Conectado como <b>{username}</b>',
  'common.backToSignIn': 'Voltar para o login',
  'common.continue': 'Continuar',
  'common.knowWhoYouAre': 'Saber quem você é neste servidor',
  'common.askingFor': 'Ele pede permissão para:',
  'common.deny': 'Negar',

  'throttle.passwords':
    'Muitas senhas incorretas. Aguarde {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} e tente novamente.',
  'throttle.network':
    'Muitas solicitações da sua rede. Aguarde {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} e tente novamente.',
  'password.rule':
    'Use pelo menos {min, plural, one {# caractere} many {# de caracteres} other {# caracteres}}; não use seu nome de usuário nem seu endereço de e-mail.',

  'consent.title': 'Autorizar acesso',
  'consent.heading': '<b>{app}</b> quer acessar sua conta',
  'consent.allow': 'Permitir',
  'consent.sendsBack': 'Ao permitir, você volta para <b>{host}</b>.',
  'consent.remembered': 'Essas permissões não serão solicitadas novamente.',
  'consent.notRemembered':
    'Elas serão solicitadas novamente na próxima vez: o Gatehouse não consegue verificar qual app do seu dispositivo é este.',

  'scope.openid': 'Fazer login com sua conta',
  'scope.profile': 'Ver seu nome de usuário e seu nome',
  'scope.email': 'Ver seu endereço de e-mail',
  'scope.offline_access': 'Manter o acesso quando você não estiver usando o app (até você revogá-lo)',

  'logout.heading': 'Sair?',
  'logout.lead': 'Você está conectado como <b>{username}</b>.',
  'logout.thenAnother': 'Depois, você poderá entrar com outra conta.',
  'signedOut.title': 'Desconectado',
  'signedOut.heading': 'Você saiu',
  'signedOut.lead': 'Você pode fechar esta janela.',
  'signedOut.again': 'Entrar novamente',
  'endSession.heading': 'Sair do Gatehouse?',
  'endSession.leadApp': '<b>{app}</b> pede para desconectar você.',
  'endSession.lead': 'Um app pede para desconectar você.',
  'endSession.otherSession':
    'O app fez login com outra conta ou outra sessão que não esta. Sair encerra a sessão deste navegador.',
  'endSession.note': 'Sair encerra sua sessão do Gatehouse e os logins dos apps que a usaram.',
  'stillSignedIn.title': 'Ainda conectado',
  'stillSignedIn.heading': 'Você ainda está conectado',
  'stillSignedIn.lead':
    'como <b>{username}</b>: sua sessão do Gatehouse não mudou (o app pode já ter desconectado você do lado dele).',
  'stillSignedIn.backTo': 'Voltar para {app}',
  'stillSignedIn.backToApp': 'Voltar para o app',

  'register.title': 'Criar uma conta',
  'register.lead': 'Escolha um nome de usuário e uma senha.',
  'register.email': 'Endereço de e-mail',
  'register.passwordAgain': 'Confirme a senha',
  'register.submit': 'Criar conta',
  'register.haveAccount': 'Já tenho uma conta',
  'register.closedTitle': 'O cadastro está fechado',
  'register.closedMessage': 'As contas deste servidor são criadas pelos administradores dele.',
  'checkEmail.title': 'Verifique seu e-mail',
  'checkEmail.signUp': 'Enviamos um link para o endereço que você informou. Siga-o para ativar sua conta.',
  'checkEmail.signUpContinue':
    'Enviamos um link para o endereço que você informou. Siga-o para ativar sua conta; depois, volte aqui e entre para continuar.',
  'checkEmail.reset':
    'Se o nome ou o endereço que você informou pertencer a uma conta, enviamos para o e-mail dela um link para escolher uma nova senha.',
  'checkEmail.expires':
    'O link vale por {duration}. Não chegou nada? Procure na pasta de spam ou peça de novo daqui a alguns minutos.',
  'confirm.title': 'Confirme seu endereço de e-mail',
  'confirm.lead': 'e ative a conta <b>{username}</b>. Digite a senha que você escolheu ao se cadastrar.',
  'confirm.submit': 'Confirmar e ativar minha conta',
  'confirm.notYours':
    'Esta não é sua conta? Então outra pessoa se cadastrou com seu endereço: ignore esta página e o e-mail, e a conta não será ativada.',
  'confirm.wrongPassword':
    'A senha está incorreta. Digite a senha que você escolheu ao se cadastrar (ou cadastre-se novamente para escolher outra).',
  'confirm.linkNotUsable':
    'Ele expirou, já foi usado ou um link mais recente foi enviado. Se sua conta ainda não estiver ativa, peça um novo link em “Esqueceu sua senha?” na página de login.',
  'link.notUsableTitle': 'Este link não funciona mais',

  'reset.title': 'Redefinir sua senha',
  'reset.lead':
    'Digite seu nome de usuário ou seu endereço de e-mail. Se ele corresponder a uma conta, enviaremos por e-mail um link para escolher uma nova senha.',
  'reset.login': 'Nome de usuário ou endereço de e-mail',
  'reset.submit': 'Enviar um link para mim',
  'reset.missing': 'Digite seu nome de usuário ou seu endereço de e-mail.',
  'reset.linkNotUsable':
    'Ele expirou, já foi usado ou um link mais recente foi enviado. Peça um novo na página “Esqueceu sua senha?”.',
  'resetPassword.title': 'Escolha uma nova senha',
  'resetPassword.lead':
    'para <b>{username}</b>. Você será desconectado em todos os lugares, e os apps que usam sua conta terão de ser autorizados novamente.',
  'resetPassword.new': 'Nova senha',
  'resetPassword.newAgain': 'Confirme a nova senha',
  'resetPassword.submit': 'Salvar minha nova senha',

  'account.title': 'Sua conta',
  'account.lead': 'Conectado como <b>{username}</b>.',
  'account.nameHeading': 'Seu nome',
  'account.nameLead': 'Os apps em que você entra com esta conta veem este nome.',
  'account.name': 'Nome',
  'account.saveName': 'Salvar nome',
  'account.profileHeading': 'Perfil',
  'account.verified': 'Este endereço foi verificado: você seguiu um link que enviamos para ele.',
  'account.unverified':
    'Este endereço ainda não foi verificado, e os apps são informados disso. Alterá-lo envia um link para o novo endereço, o que o verifica.',
  'account.currentPassword': 'Senha atual',
  'account.saveProfile': 'Salvar perfil',
  'account.passwordHeading': 'Alterar senha',
  'account.changePassword': 'Alterar senha',
  'account.passwordNote': '{rule} Alterá-la desconecta você dos seus outros dispositivos.',
  'account.appsHeading': 'Apps com acesso',
  'account.noScopes': 'nenhuma permissão',
  'account.allowedOn': 'autorizado em {date}',
  'account.signedInOn': 'login em {date}',
  'account.removeAccess': 'Remover acesso',
  'account.removeAccessFor': 'Remover o acesso de {app}',
  'account.noApps': 'Nenhum app tem acesso à sua conta.',
  'account.done.confirmed': 'Seu endereço de e-mail foi confirmado e sua conta está ativa.',
  'account.done.profile': 'Seu perfil foi salvo.',
  'account.done.name': 'Seu nome foi salvo.',
  'account.done.email':
    'Seu perfil foi salvo. Para alterar seu endereço de e-mail, siga o link que enviamos para o novo endereço: até lá, seu endereço atual continua valendo.',
  'account.done.password': 'Sua senha foi alterada. Seus outros dispositivos foram desconectados.',
  'account.done.revoked': 'O app não tem mais acesso à sua conta.',
  'emailConfirm.title': 'Confirme seu novo endereço de e-mail',
  'emailConfirm.lead':
    'A conta <b>{username}</b> passará a usar <b>{email}</b>. Digite a senha da conta para confirmar.',
  'emailConfirm.submit': 'Confirmar meu novo endereço de e-mail',
  'emailConfirm.notAsked': 'Não pediu isso? Ignore esta página: o endereço da conta não muda.',
  'emailConfirm.wrongPassword': 'A senha está incorreta. Digite a senha atual da conta.',
  'emailConfirm.linkNotUsable':
    'Ele expirou, já foi usado ou um link mais recente foi enviado. Peça a alteração novamente na página da sua conta.',
  'emailConfirm.takenTitle': 'Este endereço não está mais disponível',
  'emailConfirm.takenMessage':
    'Outra conta usa este endereço de e-mail agora, então seu endereço não foi alterado. Escolha outro na página da sua conta.',
  'emailChanged.title': 'Endereço de e-mail alterado',
  'emailChanged.lead': 'Sua conta agora usa <b>{email}</b>. As mensagens sobre ela passam a ser enviadas para lá.',

  'problem.passwordsDiffer': 'As duas senhas não coincidem.',
  'problem.passwordTooShort':
    'A senha precisa ter pelo menos {min, plural, one {# caractere} many {# de caracteres} other {# caracteres}}.',
  'problem.passwordTooLong':
    'A senha pode ter no máximo {max, plural, one {# caractere} many {# de caracteres} other {# caracteres}}.',
  'problem.passwordIsName': 'A senha não pode ser o nome de usuário nem o endereço de e-mail.',
  'problem.currentPasswordIncorrect': 'A senha atual está incorreta.',
  'problem.passwordChangedMeanwhile': 'Sua senha foi alterada nesse meio-tempo: entre novamente.',
  'problem.usernameTaken': 'Já existe um usuário com este nome de usuário.',
  'problem.emailTaken': 'Já existe um usuário com este endereço de e-mail.',
  'problem.emailInvalid': 'O endereço de e-mail não é válido.',
  'problem.usernameInvalid': 'O nome de usuário deve ter de 1 a 64 letras, algarismos, “.”, “_” ou “-”.',
  'problem.usernameMixedScripts':
    'O nome de usuário mistura letras de escritas diferentes ({scripts}), o que pode imitar outro nome: use uma só escrita.',
  'problem.nameTooLong':
    'O nome pode ter no máximo {max, plural, one {# caractere} many {# de caracteres} other {# caracteres}}.',
  'problem.nameControl':
    'O nome não pode conter caracteres de controle, quebras de linha nem inversões forçadas da direção do texto.',
  'problem.other': '{message}',

  'device.title': 'Conectar um dispositivo',
  'device.lead': 'Digite o código exibido no seu dispositivo.',
  'device.code': 'Código',
  'device.note': 'Só digite um código de um dispositivo que você mesmo esteja configurando.',
  'device.throttled':
    'Muitos códigos incorretos. Aguarde {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}} e tente novamente.',
  'device.invalidCode': 'Esse código é inválido ou expirou. Confira o código no seu dispositivo e tente novamente.',
  'device.consentLead':
    'Um dispositivo está pedindo acesso à sua conta. Aprove somente se você iniciou isso em um dispositivo seu e ele mostra o código que você digitou.',
  'device.approve': 'Aprovar',
  'device.approvedTitle': 'Dispositivo conectado',
  'device.approvedLead': '<b>{app}</b> agora pode acessar sua conta. Você pode voltar para o seu dispositivo.',
  'device.deniedTitle': 'Acesso negado',
  'device.deniedLead': 'O dispositivo não recebeu acesso à sua conta (<b>{app}</b>). Você pode fechar esta janela.',

  'error.busyTitle': 'Tente novamente daqui a pouco',
  'error.busy':
    'O Gatehouse está ocupado demais para verificar sua senha agora. Tente novamente em {seconds, plural, one {# segundo} many {# de segundos} other {# segundos}}.',
  'error.databaseDown': 'O Gatehouse não consegue acessar o banco de dados agora.',
  'error.serverTitle': 'Algo deu errado',
  'error.server': 'O Gatehouse não conseguiu concluir esta solicitação. Tente novamente.',
  'error.methodTitle': 'Não permitido',
  'error.method': 'Esta página não pode ser usada dessa forma.',
  'error.requestTitle': 'Esta solicitação não pode ser usada',
  'error.request': 'A página recebeu uma solicitação que não pode aceitar.',
  'error.csrfTitle': 'Tente novamente',
  'error.csrf':
    'Este formulário expirou ou não foi enviado deste site. Volte, recarregue a página e tente novamente. Os cookies precisam estar ativados para entrar.',
  'error.signInExpiredTitle': 'Este link de login expirou',
  'error.signInExpired': 'Volte para o app de onde você veio e comece de novo. Nada foi compartilhado com ele.',
  'error.untrustedTitle': 'Este link de login não funciona',
  'error.untrusted':
    'O app que trouxe você até aqui fez uma solicitação que o Gatehouse não pode aceitar, então você não foi enviado de volta para ele e nada foi compartilhado.',
  'error.consentExpiredTitle': 'Esta página expirou',
  'error.consentExpired':
    'Esta solicitação já foi respondida ou ficou aberta por tempo demais. Volte para o app e comece de novo.',
  'error.logoutExpiredTitle': 'Esta solicitação de saída expirou',
  'error.logoutExpired': 'Ela já foi respondida ou ficou aberta por tempo demais. Volte para o app e saia novamente.',
  'error.languageTitle': 'Este idioma não está disponível',
  'error.language': 'Escolha um dos idiomas listados abaixo.',
  'error.detail': 'Para quem desenvolve o app:',
  'next.backToApp': 'Volte para <a>{app}</a> e comece o login de novo.',
  'next.signIn': 'Ir para a <a>página de login</a>.',
  'next.account': 'Ir para <a>sua conta</a>.',

  'duration.days': '{count, plural, one {# dia} many {# de dias} other {# dias}}',
  'duration.hours': '{count, plural, one {# hora} many {# de horas} other {# horas}}',
  'duration.minutes': '{count, plural, one {# minuto} many {# de minutos} other {# minutos}}',
  'duration.seconds': '{count, plural, one {# segundo} many {# de segundos} other {# segundos}}',

  'mail.hello': 'Olá, {username},',
  'mail.pasteLink': 'Ou cole este endereço no seu navegador:',
  'mail.confirmation.subject': 'Confirme seu endereço de e-mail em {site}',
  'mail.confirmation.openLink': 'Para concluir a criação da sua conta em {site}, abra este link:',
  'mail.confirmation.intro': 'Para concluir a criação da sua conta em {site}, confirme seu endereço de e-mail.',
  'mail.confirmation.button': 'Confirmar meu endereço de e-mail',
  'mail.confirmation.outro':
    'Será pedida a senha que você escolheu. O link vale por {expires_in}, uma única vez. Se você não se cadastrou, ignore este e-mail: a conta não será ativada.',
  'mail.resetting.subject': 'Redefina sua senha de {site}',
  'mail.resetting.openLink':
    'Alguém (esperamos que você) pediu para redefinir a senha da sua conta em {site}. Para escolher uma nova senha, abra este link:',
  'mail.resetting.intro': 'Alguém (esperamos que você) pediu para redefinir a senha da sua conta em {site}.',
  'mail.resetting.button': 'Escolher uma nova senha',
  'mail.resetting.outro':
    'O link vale por {expires_in}, uma única vez. Definir uma nova senha desconecta você em todos os lugares e desconecta os apps que usam sua conta.',
  'mail.resetting.ignore': 'Se você não pediu isso, ignore este e-mail: sua senha continua a mesma.',
  'mail.password_changed.subject': 'Sua senha de {site} foi alterada',
  'mail.password_changed.body': 'A senha da sua conta em {site} acabou de ser alterada.',
  'mail.password_changed.notYou':
    'Se não foi você, redefina sua senha agora com “Esqueceu sua senha?” na página de login.',
  'mail.email_changed.subject': 'Seu endereço de e-mail em {site} foi alterado',
  'mail.email_changed.body':
    'O endereço de e-mail da sua conta em {site} foi alterado para <b>{new_email}</b>. As mensagens sobre sua conta agora são enviadas para lá.',
  'mail.email_changed.notYou': 'Se não foi você, entre em contato com os administradores de {site}.',
  'mail.email_change.subject': 'Confirme seu novo endereço de e-mail em {site}',
  'mail.email_change.openLink':
    'Você pediu para alterar o endereço de e-mail da sua conta em {site} para este, <b>{new_email}</b>. Para confirmar, abra este link:',
  'mail.email_change.intro':
    'Você pediu para alterar o endereço de e-mail da sua conta em {site} para este, <b>{new_email}</b>.',
  'mail.email_change.button': 'Confirmar meu novo endereço de e-mail',
  'mail.email_change.outro':
    'Sua senha será pedida. O link vale por {expires_in}, uma única vez. Até você segui-lo, sua conta mantém o endereço atual. Se você não pediu isso, ignore este e-mail: nada vai mudar.',
  'mail.email_change_requested.subject': 'Foi pedida uma alteração do seu endereço de e-mail em {site}',
  'mail.email_change_requested.body':
    'Alguém conectado à sua conta em {site} pediu para alterar o endereço de e-mail dela para <b>{new_email}</b>. Um link de confirmação foi enviado para lá; seu endereço só muda se esse link for seguido (com sua senha).',
  'mail.email_change_requested.notYou':
    'Se não foi você, altere sua senha agora (ou use “Esqueceu sua senha?” na página de login): o link deixará de servir, e seus outros dispositivos serão desconectados.',
  'mail.email_in_use.subject': 'Seu endereço de e-mail em {site} foi informado para outra conta',
  'mail.email_in_use.body':
    'Alguém (talvez você, de outra conta) tentou usar este endereço de e-mail em uma conta de {site}. Ele já pertence à sua conta, cujo nome de usuário é <b>{username}</b>, e continua sendo seu: nada mudou.',
  'mail.email_in_use.notYou': 'Se não foi você, não é preciso fazer nada.',
  'mail.already_registered.subject': 'Você já tem uma conta em {site}',
  'mail.already_registered.body':
    'Alguém (talvez você) tentou se cadastrar em {site} com este endereço de e-mail. Ele já pertence à sua conta, cujo nome de usuário é <b>{username}</b>.',
  'mail.already_registered.openLink': 'Se você esqueceu sua senha, pode escolher uma nova aqui:',
  'mail.already_registered.choose': 'Se você esqueceu sua senha, pode <a>escolher uma nova</a>.',
  'mail.already_registered.ignore': 'Se não foi você, ignore este e-mail: nada mudou.',
};
