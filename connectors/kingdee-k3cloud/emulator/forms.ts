/**
 * The slice of K3Cloud form metadata the emulator enforces: primary key, number field, header fields
 * (base-data references by number), entry collections and required fields. See vendor-apis.md §2.7.
 */
export type KdFieldKind = 'text' | 'number' | 'date' | 'datetime' | 'ref' | 'sub';

export interface KdField {
  kind: KdFieldKind;
  /** Referenced base-data form, for `ref`. */
  ref?: string;
  required?: boolean;
  readOnly?: boolean;
  maxLength?: number;
  /** Sub-object fields, for `sub` (e.g. SAL_SaleOrder.FSaleOrderFinance). */
  fields?: Record<string, KdField>;
  caption?: string;
}

export interface KdEntry {
  pk: string;
  fields: Record<string, KdField>;
}

export interface KdForm {
  pk: string;
  /** Business number: FNumber for base data, FBillNo for bills. */
  number: string;
  /** Prefix of generated bill numbers; base data without one needs an explicit number. */
  autoNumberPrefix?: string;
  fields: Record<string, KdField>;
  entries?: Record<string, KdEntry>;
}

const common: Record<string, KdField> = {
  FModifyDate: { kind: 'datetime', readOnly: true, caption: '修改日期' },
  FCreateDate: { kind: 'datetime', readOnly: true, caption: '创建日期' },
  FModifierId: { kind: 'text', readOnly: true, caption: '修改人' },
  FDocumentStatus: { kind: 'text', readOnly: true, caption: '数据状态' },
};

const baseData = (pk: string, extra: Record<string, KdField> = {}): KdForm => ({
  pk,
  number: 'FNumber',
  fields: {
    ...common,
    FNumber: { kind: 'text', required: true, maxLength: 80, caption: '编码' },
    FName: { kind: 'text', required: true, maxLength: 255, caption: '名称' },
    ...extra,
  },
});

export const DEFAULT_FORMS: Record<string, KdForm> = {
  ORG_Organizations: baseData('FORGID'),
  BD_Currency: baseData('FCURRENCYID'),
  BD_UNIT: baseData('FUNITID'),
  BOS_BillType: baseData('FBILLTYPEID'),
  BD_Customer: baseData('FCUSTID', {
    FShortName: { kind: 'text', maxLength: 80, caption: '简称' },
    FCreateOrgId: { kind: 'ref', ref: 'ORG_Organizations', caption: '创建组织' },
    FUseOrgId: { kind: 'ref', ref: 'ORG_Organizations', caption: '使用组织' },
    FTRADINGCURRID: { kind: 'ref', ref: 'BD_Currency', caption: '结算币别' },
    FTEL: { kind: 'text', maxLength: 80, caption: '联系电话' },
    FADDRESS: { kind: 'text', maxLength: 255, caption: '通讯地址' },
    FForbidStatus: { kind: 'text', caption: '禁用状态' },
  }),
  BD_MATERIAL: baseData('FMATERIALID', {
    FSpecification: { kind: 'text', maxLength: 255, caption: '规格型号' },
    FCreateOrgId: { kind: 'ref', ref: 'ORG_Organizations', caption: '创建组织' },
    FUseOrgId: { kind: 'ref', ref: 'ORG_Organizations', caption: '使用组织' },
  }),
  SAL_SaleOrder: {
    pk: 'FID',
    number: 'FBillNo',
    autoNumberPrefix: 'XSDD',
    fields: {
      ...common,
      FBillNo: { kind: 'text', maxLength: 80, caption: '单据编号' },
      FBillTypeID: { kind: 'ref', ref: 'BOS_BillType', caption: '单据类型' },
      FDate: { kind: 'date', required: true, caption: '日期' },
      FSaleOrgId: { kind: 'ref', ref: 'ORG_Organizations', required: true, caption: '销售组织' },
      FCustId: { kind: 'ref', ref: 'BD_Customer', required: true, caption: '客户' },
      FNote: { kind: 'text', maxLength: 255, caption: '备注' },
      FSaleOrderFinance: { kind: 'sub', fields: { FSettleCurrId: { kind: 'ref', ref: 'BD_Currency', caption: '结算币别' } } },
    },
    entries: {
      FSaleOrderEntry: {
        pk: 'FEntryID',
        fields: {
          FMaterialId: { kind: 'ref', ref: 'BD_MATERIAL', required: true, caption: '物料编码' },
          FUnitID: { kind: 'ref', ref: 'BD_UNIT', caption: '销售单位' },
          FQty: { kind: 'number', required: true, caption: '销售数量' },
          FPrice: { kind: 'number', caption: '单价' },
          FTaxPrice: { kind: 'number', caption: '含税单价' },
          FEntryTaxRate: { kind: 'number', caption: '税率%' },
        },
      },
    },
  },
};

/** Base data every emulator starts with (organisations, currencies, units, bill types). */
export const DEFAULT_BASE_DATA: Record<string, Record<string, unknown>[]> = {
  ORG_Organizations: [{ FNumber: '100', FName: '总部' }, { FNumber: '101', FName: '华东销售公司' }],
  BD_Currency: [{ FNumber: 'PRE001', FName: '人民币' }, { FNumber: 'PRE007', FName: '美元' }],
  BD_UNIT: [{ FNumber: 'Pcs', FName: '个' }, { FNumber: 'kg', FName: '千克' }, { FNumber: 'box', FName: '箱' }],
  BOS_BillType: [{ FNumber: 'XSDD01_SYS', FName: '标准销售订单' }],
};

export function resolveKey(keys: Iterable<string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const k of keys) if (k.toLowerCase() === lower) return k;
  return undefined;
}
