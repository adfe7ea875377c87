/**
 * The demo's data: customers (Salesforce Accounts) and orders (Orders with OrderItems), generated from a
 * fixed seed so every run has the same content. Names are Chinese, with quotes, `&`, `<script>`, emoji,
 * tabs and newlines mixed in, and nulls where Salesforce allows them. A few records are bad on purpose,
 * and the generator says what must become of each one, so the demo can check the outcome, not guess it.
 */
import { seededRandom } from '../../connectors/shared/emulator/rng.ts';

export const DEMO_SEED = 20260301;

/** What the flow must do with a record. */
export type Expected =
  | { outcome: 'synced' }
  | { outcome: 'filtered'; why: string }
  | { outcome: 'dead-lettered'; class: 'rejected' | 'bad-mapping'; why: string };

export interface AccountSeed {
  fields: Record<string, unknown>;
  /** The Kingdee customer number (FNumber) a synced account becomes. */
  number: string | undefined;
  expected: Expected;
}

export interface OrderSeed {
  /** Index into `accounts` of the order's customer. */
  account: number;
  fields: Record<string, unknown>;
  items: Record<string, unknown>[];
  /** Product codes of the items (Product2.ProductCode). */
  productCodes: string[];
  expected: Expected;
}

export interface DemoData {
  accounts: AccountSeed[];
  orders: OrderSeed[];
  /** Products in Salesforce; all but `missingProduct` also exist as Kingdee materials. */
  products: { code: string; name: string }[];
  missingProduct: string;
}

const CITIES: [string, string, string][] = [
  ['上海市', '浦东新区', '华东'],
  ['江苏省', '苏州市', '华东'],
  ['浙江省', '杭州市', '华东'],
  ['广东省', '深圳市', '华南'],
  ['广东省', '广州市', '华南'],
  ['北京市', '海淀区', '华北'],
  ['天津市', '滨海新区', '华北'],
  ['四川省', '成都市', '西南'],
  ['重庆市', '渝北区', '西南'],
];
const WORDS = ['华东', '金桥', '星河', '恒信', '宏达', '瑞丰', '汇通', '东方', '长城', '新纪元', '蓝海', '鼎盛', '中和', '天成'];
const TRADES = ['贸易', '科技', '电子', '机械', '食品', '物流', '制药', '建材', '纺织', '化工'];
const SUFFIXES = ['有限公司', '股份有限公司', '集团有限公司', '（中国）有限公司'];
const STREETS = ['张江路', '人民路', '中山路', '解放路', '科技园南路', '天府大道', '长安街'];
const CURRENCIES = ['CNY', 'CNY', 'CNY', 'USD', 'HKD', null];
const UNITS = ['个', '箱', 'KG', '件', null];
const PRODUCT_NAMES = ['不锈钢螺丝', '工业轴承', '液压阀门', '铜芯电缆', '包装纸箱', '精密齿轮', '电源适配器', '传感器模组'];

/** Names with the characters that break naive integrations; every one must arrive intact. */
const AWKWARD_NAMES = [
  'O\'Brien & Söhne "Global" Ltd. 🚀',
  '<script>alert("xss")</script> 测试客户',
  '张三 & 李四 “联合” 贸易',
  '多行\n名称 公司',
  '🍵 茶叶世家 (杭州) Co.',
  "Back\\slash 'quote' 公司",
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * `count` accounts and as many orders. Deliberately bad: accounts in EUR (Kingdee has no such currency:
 * rejected), accounts whose address is longer than Kingdee's 255-character field (the mapping cannot
 * convert it: bad-mapping), orders with a product Kingdee does not have (rejected). Filtered: accounts
 * without a number, orders still in Draft.
 */
export function demoData(count: number, seed = DEMO_SEED): DemoData {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const products = Array.from({ length: 40 }, (_, i) => ({ code: `P-${1001 + i}`, name: `${PRODUCT_NAMES[i % PRODUCT_NAMES.length]} ${pad(i + 1, 2)}型` }));
  const missingProduct = 'P-9999';

  const accounts: AccountSeed[] = [];
  for (let i = 0; i < count; i++) {
    const [state, city, region] = pick(CITIES);
    const awkward = i % 97 === 5 ? AWKWARD_NAMES[Math.floor(i / 97) % AWKWARD_NAMES.length] : undefined;
    const name = awkward ?? `${i % 13 === 0 ? ' ' : ''}${city.replace(/[市区]$/, '')}${pick(WORDS)}${pick(TRADES)}${pick(SUFFIXES)}`;
    const number = `CN-${pad(i + 1, 6)}`;
    const fields: Record<string, unknown> = {
      Name: name,
      // Some CRM users type numbers in lower case; the mapping upper-cases them.
      AccountNumber: i % 5 === 0 ? number.toLowerCase() : number,
      Region__c: i % 17 === 3 ? null : i % 31 === 4 ? '海外' : region,
      CurrencyIsoCode: pick(CURRENCIES),
      BillingState: state,
      BillingCity: i % 11 === 2 ? null : city,
      BillingStreet: i % 23 === 1 ? `${pick(STREETS)}${1 + (i % 300)}号\n${1 + (i % 9)}号楼` : `${pick(STREETS)}${1 + (i % 300)}号`,
      Phone: i % 7 === 6 ? null : `+86 ${pad(10 + (i % 89), 2)} ${pad(5000 + (i % 4999), 4)} ${pad(i % 10000, 4)}`,
      Description: i % 41 === 0 ? '重要客户 ⭐ — 请优先发货' : null,
    };
    let expected: Expected = { outcome: 'synced' };
    let synced: string | undefined = number;
    if (i % 250 === 249 || i === Math.min(count - 1, 17)) {
      fields.AccountNumber = null;
      synced = undefined;
      expected = { outcome: 'filtered', why: 'no AccountNumber (the spec filter)' };
    } else if (i % 1000 === 500 || i === Math.min(count - 1, 7)) {
      fields.CurrencyIsoCode = 'EUR';
      expected = { outcome: 'dead-lettered', class: 'rejected', why: 'EUR maps to PRE003, which Kingdee has no currency record for' };
    } else if (i % 1000 === 900 || i === Math.min(count - 1, 11)) {
      // 250 characters fit Salesforce's BillingStreet; with state and city in front they overflow FADDRESS.
      fields.BillingStreet = '很长的地址'.repeat(50);
      fields.BillingCity = city;
      expected = { outcome: 'dead-lettered', class: 'bad-mapping', why: 'the address is longer than FADDRESS (255 characters)' };
    }
    accounts.push({ fields, number: synced, expected });
  }

  const customers = accounts.map((a, i) => ({ a, i })).filter(({ a }) => a.expected.outcome === 'synced');
  const orders: OrderSeed[] = [];
  for (let j = 0; j < count && customers.length > 0; j++) {
    const { i: account, a } = customers[j % customers.length] as { i: number; a: AccountSeed };
    const lines = 1 + Math.floor(random() * 3);
    const productCodes: string[] = [];
    const items: Record<string, unknown>[] = [];
    for (let k = 0; k < lines; k++) {
      const p = pick(products);
      productCodes.push(p.code);
      items.push({ Quantity: 1 + Math.floor(random() * 50) + (k === 1 ? 0.5 : 0), UnitPrice: Math.round(random() * 100_000) / 100, Unit__c: pick(UNITS) });
    }
    const fields: Record<string, unknown> = {
      EffectiveDate: `2026-03-${pad(1 + (j % 28), 2)}`,
      Status: 'Activated',
      Region__c: a.fields.Region__c,
      Description: j % 9 === 0 ? null : j % 53 === 7 ? `加急订单 ${'注意事项；'.repeat(60)}` : `订单备注 #${j + 1}: "请于周五前发货" <b>&</b> 🚚`,
    };
    let expected: Expected = { outcome: 'synced' };
    if (j % 150 === 149 || j === Math.min(count - 1, 17)) {
      fields.Status = 'Draft';
      expected = { outcome: 'filtered', why: 'still a Draft (the spec filter)' };
    } else if (j % 1000 === 300 || j === Math.min(count - 1, 13)) {
      productCodes[0] = missingProduct;
      expected = { outcome: 'dead-lettered', class: 'rejected', why: `product ${missingProduct} is not a Kingdee material` };
    }
    orders.push({ account, fields, items, productCodes, expected });
  }
  return { accounts, orders, products, missingProduct };
}

/** How many records of a list have each outcome. */
export function tally(records: readonly { expected: Expected }[]): { synced: number; filtered: number; deadLettered: number } {
  return {
    synced: records.filter((r) => r.expected.outcome === 'synced').length,
    filtered: records.filter((r) => r.expected.outcome === 'filtered').length,
    deadLettered: records.filter((r) => r.expected.outcome === 'dead-lettered').length,
  };
}
