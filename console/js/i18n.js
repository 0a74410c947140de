// English and Chinese strings. The language comes from the user's choice (localStorage, not a
// secret) or else navigator.language; t(key, ...args) fills {0}, {1}, … placeholders.
import { GOV_STRINGS } from './i18n_gov.js';

const STRINGS = {
  en: {
    title: 'Gatehouse console', language: 'Language', navigation: 'Main navigation', dismiss: 'Dismiss',
    signIn: 'Sign in', signInTitle: 'Sign in with your IAM user', signOut: 'Sign out',
    domain: 'Domain (account)', user: 'User', password: 'Password', project: 'Project',
    expired: 'Your session has expired. Please sign in again.',
    instances: 'Instances', instancesLead: 'Gateways of this project. APIG apps live in APIG dedicated gateways, ROMA integration apps in ROMA Connect instances.',
    apps: 'Apps', app: 'App', groups: 'API groups', envs: 'Environments', apis: 'APIs', audit: 'Audit trail',
    modelarts: 'ModelArts', modelartsLead: 'The same apps as ModelArts app-auth (v1) lists them: only the ones this user created, with the kind of instance each lives in (DEDICATE_APIG or APIC).',
    auditLead: 'Every management change in this project, newest first.',
    kind: 'Kind', kindApig: 'APIG', kindRoma: 'ROMA Connect', name: 'Name', status: 'Status', created: 'Created',
    actions: 'Actions', remark: 'Description', appType: 'App type', appCodes: 'AppCodes', boundApis: 'Bound APIs',
    none: 'Nothing here yet.', noApps: 'No apps match.', noCodes: 'No AppCodes yet.', noAuths: 'Not authorized for any API yet.',
    noApis: 'No APIs yet.', noUnbound: 'Every API is already authorized in this environment.', notFound: 'Page not found',
    search: 'Search', searchByName: 'Search apps by name', prev: 'Previous', next: 'Next', pageOf: 'Page {0} of {1} ({2} in all)',
    createApp: 'Create app', editApp: 'Edit app', edit: 'Edit', delete: 'Delete', save: 'Save', cancel: 'Cancel',
    confirm: 'Please confirm', close: 'Close', add: 'Add', copy: 'Copy', copied: 'Copied to the clipboard.',
    appNameRule: '3–64 characters: letters, digits, underscores or Chinese characters, starting with a letter or Chinese character.',
    created1: '"{0}" created.', saved: 'Saved.', deleted: 'Deleted.',
    confirmDeleteApp: 'Delete the app "{0}"? Its AppCodes and authorizations stop working at once.',
    confirmDelete: 'Delete "{0}"?', confirmDeleteCode: 'Delete the AppCode {0}? Callers using it are refused at once.',
    confirmResetSecret: 'Reset the AppSecret of "{0}"? Callers signing with the old secret are refused at once.',
    confirmCancelAuth: 'Cancel the authorization for "{0}" in {1}?',
    backToApps: 'Back to apps', credentials: 'Credentials', reveal: 'Reveal', hide: 'Hide', resetSecret: 'Reset secret',
    secretReset: 'A new AppSecret was generated.',
    appCode: 'AppCode', nOfLimit: '{0} of {1}', codeLimitReached: 'This app has the maximum number of AppCodes; delete one to add another.',
    generateCode: 'Generate AppCode', addCustomCode: 'Add custom AppCode', codeAdded: 'AppCode added.', chars: '{0} characters',
    codeRules: 'Huawei\'s rules for a custom AppCode:',
    codeRuleLength: '64 to 180 characters', codeRuleChars: 'only letters, digits and + _ ! @ # $ % - / =',
    codeRuleFirst: 'starts with a letter, digit, + or /',
    authorizedApis: 'Authorized APIs', authorizeApis: 'Authorize APIs', authorize: 'Authorize', authorized: 'Authorization done.',
    cancelAuth: 'Cancel authorization', api: 'API', group: 'Group', env: 'Environment', authorizedAt: 'Authorized',
    tryIt: 'Try it', tryTitle: 'Try "{0}" through the gateway', path: 'Path', stage: 'Environment (X-Stage)',
    tryCodeHint: 'Sent as X-Apig-AppCode over HTTPS to this node\'s gateway.', tryNoAuth: 'Optional for this API.',
    send: 'Send', sending: 'Sending…', httpStatus: 'HTTP status',
    createGroup: 'Create group', createEnv: 'Create environment', default: 'default',
    groupNameRule: '3–64 characters, starting with a letter, digit or Chinese character.',
    envNameRule: '3–64 characters: letters, digits and underscores, starting with a letter.',
    createApi: 'Create API', editApi: 'Edit API', method: 'Method', uriHint: 'May contain {param} placeholders.',
    authType: 'Authentication', backendType: 'Backend', backendUrl: 'Backend address (host:port)', backendPath: 'Backend path',
    mockBody: 'Mock response body', request: 'Request', publishedIn: 'Published in', publish: 'Publish',
    publishTitle: 'Publish "{0}"', online: 'online', offline: 'offline', takeOffline: 'Take offline',
    published: 'Published in {0}.', unpublished: 'Taken offline in {0}.',
    time: 'Time', action: 'Action', target: 'Target', result: 'Result', detail: 'Detail',
  },
  zh: {
    title: 'Gatehouse 控制台', language: '语言', navigation: '主导航', dismiss: '关闭',
    signIn: '登录', signInTitle: '使用 IAM 用户登录', signOut: '退出登录',
    domain: '租户名（账号）', user: '用户名', password: '密码', project: '项目',
    expired: '登录已过期，请重新登录。',
    instances: '实例', instancesLead: '本项目的网关实例。APIG 应用位于 APIG 专享版实例，ROMA 集成应用位于 ROMA Connect 实例。',
    apps: '应用', app: '应用', groups: 'API 分组', envs: '环境', apis: 'API', audit: '审计日志',
    modelarts: 'ModelArts', modelartsLead: 'ModelArts 应用认证（v1）视角下的同一批应用：仅本用户创建的应用，及其所在实例类型（DEDICATE_APIG 或 APIC）。',
    auditLead: '本项目的全部管理操作，最新的在前。',
    kind: '类型', kindApig: 'APIG', kindRoma: 'ROMA Connect', name: '名称', status: '状态', created: '创建时间',
    actions: '操作', remark: '描述', appType: '应用类型', appCodes: 'AppCode', boundApis: '已绑定 API',
    none: '暂无数据。', noApps: '没有匹配的应用。', noCodes: '暂无 AppCode。', noAuths: '尚未授权任何 API。',
    noApis: '暂无 API。', noUnbound: '该环境下的 API 均已授权。', notFound: '页面不存在',
    search: '搜索', searchByName: '按名称搜索应用', prev: '上一页', next: '下一页', pageOf: '第 {0}/{1} 页（共 {2} 条）',
    createApp: '创建应用', editApp: '编辑应用', edit: '编辑', delete: '删除', save: '保存', cancel: '取消',
    confirm: '请确认', close: '关闭', add: '添加', copy: '复制', copied: '已复制到剪贴板。',
    appNameRule: '3–64 个字符，支持中文、英文、数字、下划线，且只能以英文或中文开头。',
    created1: '“{0}”已创建。', saved: '已保存。', deleted: '已删除。',
    confirmDeleteApp: '确定删除应用“{0}”？其 AppCode 和授权将立即失效。',
    confirmDelete: '确定删除“{0}”？', confirmDeleteCode: '确定删除 AppCode {0}？使用它的调用将立即被拒绝。',
    confirmResetSecret: '确定重置“{0}”的 AppSecret？使用旧密钥签名的调用将立即被拒绝。',
    confirmCancelAuth: '确定解除“{0}”在 {1} 环境的授权？',
    backToApps: '返回应用列表', credentials: '凭据', reveal: '显示', hide: '隐藏', resetSecret: '重置密钥',
    secretReset: '已生成新的 AppSecret。',
    appCode: 'AppCode', nOfLimit: '{0} / {1}', codeLimitReached: '该应用的 AppCode 已达上限，请先删除一个。',
    generateCode: '生成 AppCode', addCustomCode: '添加自定义 AppCode', codeAdded: 'AppCode 已添加。', chars: '{0} 个字符',
    codeRules: '华为云自定义 AppCode 规则：',
    codeRuleLength: '长度 64 到 180 个字符', codeRuleChars: '仅支持英文、数字和 + _ ! @ # $ % - / =',
    codeRuleFirst: '以英文、数字、+ 或 / 开头',
    authorizedApis: '已授权 API', authorizeApis: '授权 API', authorize: '授权', authorized: '授权完成。',
    cancelAuth: '解除授权', api: 'API', group: '分组', env: '环境', authorizedAt: '授权时间',
    tryIt: '调试', tryTitle: '通过网关调试“{0}”', path: '路径', stage: '环境（X-Stage）',
    tryCodeHint: '以 X-Apig-AppCode 头通过 HTTPS 发送到本节点网关。', tryNoAuth: '此 API 可不填。',
    send: '发送', sending: '发送中…', httpStatus: 'HTTP 状态码',
    createGroup: '创建分组', createEnv: '创建环境', default: '默认',
    groupNameRule: '3–64 个字符，以英文、数字或中文开头。',
    envNameRule: '3–64 个字符，支持英文、数字、下划线，且以英文开头。',
    createApi: '创建 API', editApi: '编辑 API', method: '请求方法', uriHint: '可包含 {param} 路径参数。',
    authType: '安全认证', backendType: '后端类型', backendUrl: '后端地址（host:port）', backendPath: '后端路径',
    mockBody: 'Mock 返回结果', request: '请求', publishedIn: '已发布环境', publish: '发布',
    publishTitle: '发布“{0}”', online: '已发布', offline: '未发布', takeOffline: '下线',
    published: '已发布到 {0}。', unpublished: '已从 {0} 下线。',
    time: '时间', action: '操作', target: '对象', result: '结果', detail: '详情',
  },
};

for (const code of Object.keys(STRINGS)) Object.assign(STRINGS[code], GOV_STRINGS[code]);

export const languages = [['en', 'English'], ['zh', '中文']];
let current = localStorage.getItem('gatehouse.lang') ||
  ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en');

export function lang() {
  return current;
}
export function setLang(code) {
  current = STRINGS[code] ? code : 'en';
  localStorage.setItem('gatehouse.lang', current);
}
export function t(key, ...args) {
  const s = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[i] ?? ''));
}
