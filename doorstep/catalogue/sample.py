"""SAMPLE catalogue: 82 community-level matters for a district to adapt.

示例事项清单，请各地根据实际调整。The 76 matter names come from public lists of community-level
matters (see the design notes); six more are plausible additions. Everything else here (time
limits, fees, trips, places, materials) is a plausible SAMPLE value written for the demo, not an
official figure: every district must check and replace it with its own implementation list.
"""

# ruff: noqa: E501  (one matter per line reads better than the formatter's layout)
from __future__ import annotations

# fmt: off
DEPARTMENTS = [
    ('mz', '民政'),
    ('cl', '残联'),
    ('yb', '医保'),
    ('rs', '人社'),
    ('wj', '卫健'),
    ('ty', '退役军人'),
    ('ga', '公安户籍'),
    ('sf', '司法'),
]
# Type codes differ by province: these sample codes are placeholders.
TYPES = [
    ('S01', '行政给付'),
    ('S02', '行政确认'),
    ('S03', '公共服务'),
    ('S04', '行政许可'),
    ('S05', '其他行政权力'),
]
LIFE_EVENTS = [
    ('birth', '出生'),
    ('school', '入学'),
    ('work', '就业'),
    ('marriage', '结婚'),
    ('retire', '退休'),
    ('elderly', '养老'),
    ('disability', '残疾'),
    ('medical', '看病就医'),
    ('hardship', '生活困难'),
    ('moving', '迁居落户'),
    ('veteran', '退役'),
    ('legal', '法律服务'),
    ('death', '身后事'),
]
# key: (name, type, form, originals, copies, necessity, source, how to fill in)
MATERIALS = {
    'id': ('居民身份证', 'certificate', 'both', 1, 1, 'required', 'government', ''),
    'hukou': ('户口簿', 'certificate', 'paper', 1, 1, 'required', 'government', ''),
    'form': ('申请表', 'form', 'paper', 1, 0, 'required', 'applicant', '用黑色签字笔填写，姓名、身份证号与证件一致，本人签名并写明日期。'),
    'photo': ('近期免冠一寸彩色照片', 'other', 'paper', 2, 0, 'required', 'applicant', ''),
    'bank': ('本人银行卡或存折', 'other', 'paper', 1, 1, 'required', 'applicant', ''),
    'income': ('家庭收入及财产情况声明', 'form', 'paper', 1, 0, 'required', 'applicant', '如实填写家庭成员的收入和财产，全体成年成员签名。'),
    'disab': ('残疾人证', 'certificate', 'both', 1, 1, 'required', 'government', ''),
    'bills': ('医疗费用票据原件', 'other', 'paper', 1, 0, 'required', 'applicant', ''),
    'diag': ('诊断证明或出院小结', 'other', 'paper', 1, 1, 'required', 'applicant', ''),
    'marriage': ('结婚证', 'certificate', 'paper', 1, 1, 'required', 'government', ''),
    'proxy': ('代办人身份证及委托书', 'other', 'paper', 1, 1, 'optional', 'applicant', '本人无法到场时由代办人提交，委托书须本人签名或按手印。'),
    'home': ('居住证明（房产证或租赁合同）', 'other', 'paper', 1, 1, 'required', 'applicant', ''),
    'discharge': ('退出现役证明', 'certificate', 'paper', 1, 1, 'required', 'government', ''),
    'death': ('死亡医学证明或火化证明', 'certificate', 'paper', 1, 1, 'required', 'government', ''),
    'birth': ('出生医学证明', 'certificate', 'paper', 1, 1, 'required', 'government', ''),
    'sscard': ('社会保障卡', 'certificate', 'both', 1, 0, 'required', 'government', ''),
    'contract': ('解除或终止劳动合同证明', 'other', 'paper', 1, 1, 'required', 'applicant', ''),
    'assess': ('医院出具的残疾评定材料', 'other', 'paper', 1, 0, 'required', 'applicant', ''),
    'study': ('入学通知书或在校证明', 'other', 'paper', 1, 1, 'required', 'applicant', ''),
    'insured': ('医保电子凭证或社会保障卡', 'certificate', 'electronic', 1, 0, 'required', 'government', ''),
    'lost': ('遗失情况说明', 'form', 'paper', 1, 0, 'later', 'applicant', '写明遗失的时间、地点和经过，本人签名。'),
    'proof': ('相关证明材料', 'other', 'paper', 1, 1, 'later', 'applicant', ''),
    'referral': ('转诊或备案证明', 'other', 'both', 1, 0, 'later', 'applicant', ''),
    'old_card': ('原证件（如有）', 'certificate', 'paper', 1, 0, 'optional', 'government', ''),
}
# Materials that a certificate on record satisfies: material key -> CertificateType code.
CERTIFICATE_OF = {'disab': 'disability'}
# Places: d = compound desk, c = community centre, s = street centre, o = online, p = by proxy.
PLACES = {'d': 'compound_desk', 'c': 'community', 's': 'street', 'o': 'online', 'p': 'proxy'}

# (code, department, name, type, case type J 即办 / C 承诺, legal days, promised days, trips,
#  places, life events, materials, fee (None = free, or (yuan, basis)), keywords)
SERVICES = [
    ('mz-001', 'mz', '最低生活保障', 'S01', 'C', 30, 20, 1, 'dcsp', 'hardship', 'id hukou form income bank', None, '低保'),
    ('mz-002', 'mz', '特困人员救助供养', 'S01', 'C', 30, 20, 1, 'dcsp', 'hardship elderly', 'id hukou form income', None, '特困 五保'),
    ('mz-003', 'mz', '临时救助', 'S01', 'C', 15, 10, 1, 'dcsp', 'hardship', 'id form income proof', None, '急难'),
    ('mz-004', 'mz', '80周岁以上老年人高龄津贴发放', 'S01', 'C', 20, 10, 0, 'dcop', 'elderly', 'id bank form', None, '高龄补贴 老年津贴'),
    ('mz-005', 'mz', '困难残疾人生活补贴', 'S01', 'C', 20, 15, 1, 'dcsp', 'disability hardship', 'id disab bank form', None, '两项补贴'),
    ('mz-006', 'mz', '重度残疾人护理补贴', 'S01', 'C', 20, 15, 1, 'dcsp', 'disability', 'id disab bank form', None, '两项补贴 护理'),
    ('mz-007', 'mz', '孤儿救助资格认定及基本生活费发放', 'S02', 'C', 30, 20, 1, 'csp', 'hardship', 'id hukou form proof', None, '孤儿'),
    ('mz-008', 'mz', '事实无人抚养儿童认定及基本生活补贴发放', 'S02', 'C', 30, 20, 1, 'csp', 'hardship', 'id hukou form proof', None, '无人抚养'),
    ('mz-009', 'mz', '家庭经济困难儿童提供最低生活保障', 'S01', 'C', 30, 20, 1, 'dcsp', 'hardship school', 'id hukou form income', None, '困难儿童 低保'),
    ('mz-010', 'mz', '城市生活无着流浪乞讨人员救助', 'S01', 'J', 1, 0, 1, 'cs', 'hardship', 'id proof', None, '流浪 乞讨'),
    ('mz-011', 'mz', '结婚登记预约', 'S03', 'J', 1, 0, 0, 'dco', 'marriage', 'id hukou', None, '领证 结婚'),
    ('mz-012', 'mz', '离婚登记预约', 'S03', 'J', 1, 0, 0, 'dco', 'marriage', 'id hukou marriage', None, '离婚'),
    ('mz-013', 'mz', '补领结婚证', 'S03', 'C', 5, 3, 1, 'cso', 'marriage', 'id hukou photo', None, '结婚证 补办'),
    ('cl-001', 'cl', '残疾人证新办', 'S02', 'C', 30, 20, 1, 'dcsp', 'disability', 'id hukou photo assess form', None, '办残疾证'),
    ('cl-002', 'cl', '残疾人证换领', 'S02', 'C', 20, 15, 1, 'dcsp', 'disability', 'id disab photo form', None, '换证 残疾证到期'),
    ('cl-003', 'cl', '残疾人证迁移', 'S02', 'C', 20, 15, 1, 'csp', 'disability moving', 'id hukou disab form', None, '户口迁移 残疾证'),
    ('cl-004', 'cl', '残疾人证挂失补办', 'S02', 'C', 20, 15, 1, 'csp', 'disability', 'id hukou photo lost form', None, '残疾证丢失'),
    ('cl-005', 'cl', '残疾人证注销', 'S02', 'J', 5, 0, 1, 'dcsp', 'disability death', 'id disab death', None, '注销'),
    ('cl-006', 'cl', '残疾类别/等级变更', 'S02', 'C', 30, 20, 1, 'csp', 'disability', 'id disab assess form', None, '残疾等级'),
    ('cl-007', 'cl', '残疾人基本型辅助器具适配申请', 'S03', 'C', 20, 15, 1, 'dcsp', 'disability', 'id disab form', None, '轮椅 助听器 拐杖'),
    ('cl-008', 'cl', '困难重度残疾人家庭无障碍改造申请', 'S03', 'C', 30, 20, 1, 'dcsp', 'disability hardship', 'id disab home form', None, '无障碍 扶手'),
    ('cl-009', 'cl', '残疾儿童康复训练申请', 'S03', 'C', 20, 15, 1, 'csp', 'disability birth', 'id hukou diag form', None, '康复'),
    ('cl-010', 'cl', '残疾人托养服务申请', 'S03', 'C', 20, 15, 1, 'csp', 'disability elderly', 'id disab form', None, '托养'),
    ('cl-011', 'cl', '残疾人教育资助申请', 'S01', 'C', 20, 15, 1, 'csp', 'disability school', 'id disab study bank form', None, '助学'),
    ('cl-012', 'cl', '残疾人机动轮椅车燃油补贴申领', 'S01', 'C', 20, 15, 1, 'csp', 'disability', 'id disab bank form', None, '燃油补贴'),
    ('yb-001', 'yb', '城乡居民参保登记', 'S03', 'J', 1, 0, 0, 'dcop', 'birth moving', 'id hukou', None, '医保 参保 新生儿医保'),
    ('yb-002', 'yb', '城乡居民参保信息变更登记', 'S03', 'J', 1, 0, 0, 'dco', 'moving', 'id', None, '医保信息'),
    ('yb-003', 'yb', '医保电子凭证申领', 'S03', 'J', 1, 0, 0, 'do', 'medical', 'id', None, '医保码'),
    ('yb-004', 'yb', '基本医疗保险关系转移接续', 'S03', 'C', 15, 10, 0, 'cso', 'moving work', 'id insured form', None, '医保转移'),
    ('yb-005', 'yb', '异地安置退休人员备案', 'S03', 'J', 1, 0, 0, 'cso', 'retire medical', 'id insured home form', None, '异地就医 备案'),
    ('yb-006', 'yb', '异地长期居住人员备案', 'S03', 'J', 1, 0, 0, 'cso', 'medical moving', 'id insured home form', None, '异地就医 备案'),
    ('yb-007', 'yb', '异地转诊人员备案', 'S03', 'J', 1, 0, 0, 'cso', 'medical', 'id insured referral', None, '转诊 备案'),
    ('yb-008', 'yb', '其他临时外出就医人员备案', 'S03', 'J', 1, 0, 0, 'cso', 'medical', 'id insured', None, '外出就医'),
    ('yb-009', 'yb', '门诊费用报销', 'S01', 'C', 30, 20, 1, 'csp', 'medical', 'id insured bills diag bank', None, '报销 门诊'),
    ('yb-010', 'yb', '住院费用报销', 'S01', 'C', 30, 20, 1, 'csp', 'medical', 'id insured bills diag bank', None, '报销 住院'),
    ('yb-011', 'yb', '门诊慢特病病种待遇认定', 'S02', 'C', 20, 15, 1, 'csp', 'medical', 'id insured diag form', None, '慢性病 特病'),
    ('yb-012', 'yb', '生育津贴支付', 'S01', 'C', 20, 15, 0, 'cso', 'birth', 'id birth bank form', None, '生育 产假'),
    ('yb-013', 'yb', '医疗救助对象手工（零星）报销', 'S01', 'C', 30, 20, 1, 'csp', 'medical hardship', 'id bills diag bank', None, '医疗救助'),
    ('yb-014', 'yb', '救助对象参加城乡居民医保个人缴费补贴', 'S01', 'C', 20, 15, 0, 'dcp', 'hardship medical', 'id hukou', None, '缴费补贴'),
    ('rs-001', 'rs', '城乡居民基本养老保险参保登记', 'S03', 'J', 1, 0, 0, 'dcop', 'work retire', 'id hukou', None, '养老保险 参保 居民养老'),
    ('rs-002', 'rs', '城乡居民基本养老保险待遇申领', 'S01', 'C', 20, 15, 1, 'dcsp', 'retire elderly', 'id hukou bank form', None, '领养老金'),
    ('rs-003', 'rs', '城乡居民基本养老保险费补缴申报', 'S03', 'C', 15, 10, 1, 'cso', 'retire', 'id form', None, '补缴'),
    ('rs-004', 'rs', '城乡居民基本养老保险注销登记', 'S03', 'C', 15, 10, 1, 'dcsp', 'death', 'id death form', None, '注销 养老'),
    ('rs-005', 'rs', '养老保险定期待遇领取资格认证', 'S02', 'J', 1, 0, 0, 'dcop', 'retire elderly', 'id', None, '资格认证 刷脸 年审'),
    ('rs-006', 'rs', '供养亲属领取待遇资格认证', 'S02', 'J', 1, 0, 0, 'dcop', 'death', 'id', None, '资格认证'),
    ('rs-007', 'rs', '社会保障卡申领', 'S03', 'C', 20, 10, 1, 'dcsp', 'birth work', 'id photo form', None, '社保卡 办卡'),
    ('rs-008', 'rs', '社会保障卡启用', 'S03', 'J', 1, 0, 1, 'dcs', 'work', 'id sscard', None, '社保卡 激活'),
    ('rs-009', 'rs', '社会保障卡挂失', 'S03', 'J', 1, 0, 0, 'dco', 'work', 'id', None, '社保卡丢失'),
    ('rs-010', 'rs', '社会保障卡补领换领换发', 'S03', 'C', 20, 10, 1, 'dcsp', 'work', 'id photo old_card', (20, '示例：按当地社会保障卡补换卡工本费标准'), '社保卡 补卡'),
    ('rs-011', 'rs', '社会保障卡密码重置', 'S03', 'J', 1, 0, 1, 'dcs', 'work', 'id sscard', None, '社保卡 密码'),
    ('rs-012', 'rs', '电子社会保障卡签发', 'S03', 'J', 1, 0, 0, 'o', 'work', 'id', None, '电子社保卡'),
    ('rs-013', 'rs', '个人权益记录查询打印', 'S03', 'J', 1, 0, 0, 'dcso', 'work retire', 'id', None, '社保缴费记录 打印'),
    ('rs-014', 'rs', '失业登记', 'S02', 'J', 1, 0, 1, 'dcso', 'work', 'id contract', None, '失业'),
    ('rs-015', 'rs', '就业困难人员认定', 'S02', 'C', 15, 10, 1, 'csp', 'work hardship', 'id contract form proof', None, '就业困难'),
    ('rs-016', 'rs', '失业保险金申领', 'S01', 'C', 15, 10, 0, 'cso', 'work', 'id contract bank', None, '失业金'),
    ('rs-017', 'rs', '灵活就业人员企业职工基本养老保险参保登记', 'S03', 'J', 1, 0, 0, 'cso', 'work', 'id hukou', None, '灵活就业 个体 社保'),
    ('rs-018', 'rs', '遗属待遇申领', 'S01', 'C', 20, 15, 1, 'csp', 'death', 'id death hukou bank form', None, '丧葬费 抚恤金'),
    ('rs-019', 'rs', '公益性岗位申请', 'S03', 'C', 15, 10, 1, 'dcs', 'work hardship', 'id form proof', None, '公益岗 就业援助'),
    ('wj-001', 'wj', '《出生医学证明》首次签发', 'S02', 'J', 1, 0, 1, 'c', 'birth', 'id marriage proof', None, '出生证'),
    ('wj-002', 'wj', '《预防接种证》办理', 'S03', 'J', 1, 0, 1, 'c', 'birth school', 'id birth', None, '疫苗本 接种'),
    ('wj-003', 'wj', '申领老年人优待证', 'S03', 'C', 10, 5, 1, 'dcsp', 'elderly', 'id photo form', None, '老年证 敬老卡'),
    ('wj-004', 'wj', '计划生育家庭特别扶助金', 'S01', 'C', 30, 20, 1, 'csp', 'elderly hardship', 'id hukou form proof bank', None, '失独 特扶'),
    ('wj-005', 'wj', '农村部分计划生育家庭奖励扶助金', 'S01', 'C', 30, 20, 1, 'csp', 'elderly', 'id hukou form bank', None, '奖扶'),
    ('wj-006', 'wj', '家庭医生签约服务', 'S03', 'J', 1, 0, 0, 'dcop', 'medical elderly', 'id insured', None, '家庭医生 签约'),
    ('ty-001', 'ty', '退役报到', 'S03', 'J', 1, 0, 1, 'cs', 'veteran', 'id discharge hukou', None, '退伍 报到'),
    ('ty-002', 'ty', '预备役登记', 'S03', 'J', 1, 0, 1, 'cs', 'veteran', 'id discharge', None, '预备役'),
    ('ty-003', 'ty', '伤残抚恤关系接收、转移办理', 'S03', 'C', 20, 15, 1, 'csp', 'veteran disability moving', 'id discharge proof form', None, '伤残抚恤'),
    ('ty-004', 'ty', '伤残证件换发、补发', 'S03', 'C', 20, 15, 1, 'csp', 'veteran disability', 'id photo lost form', None, '伤残证'),
    ('ty-005', 'ty', '退役军人优待证申领', 'S03', 'C', 20, 15, 1, 'dcsp', 'veteran', 'id discharge photo', None, '优待证'),
    ('ga-001', 'ga', '户口登记', 'S02', 'C', 10, 5, 1, 'cs', 'birth moving', 'id hukou birth form', None, '报户口 新生儿落户 上户口'),
    ('ga-002', 'ga', '户口变更', 'S02', 'C', 10, 5, 1, 'cs', 'marriage', 'id hukou proof form', None, '改名 更正'),
    ('ga-003', 'ga', '户口注销', 'S02', 'J', 1, 0, 1, 'dcs', 'death', 'id hukou death', None, '销户'),
    ('ga-004', 'ga', '户口恢复', 'S02', 'C', 20, 15, 1, 'cs', 'moving', 'id proof form', None, '恢复户口'),
    ('ga-005', 'ga', '户口迁移审批', 'S04', 'C', 20, 15, 1, 'cso', 'moving marriage school', 'id hukou home form', None, '迁户口 落户'),
    ('ga-006', 'ga', '居民身份证办理（包括临时）', 'S03', 'C', 60, 30, 1, 'cs', 'birth school moving', 'hukou photo', (20, '示例：按当地居民身份证工本费标准（临时身份证另计）'), '身份证 办证 临时身份证'),
    ('ga-007', 'ga', '居民身份证挂失申报', 'S03', 'J', 1, 0, 0, 'dcso', 'moving', 'hukou lost', None, '身份证丢了'),
    ('ga-008', 'ga', '居住证办理', 'S03', 'C', 15, 10, 1, 'dcs', 'moving work school', 'id home photo form', None, '暂住证 居住证'),
    ('sf-001', 'sf', '对公民法律援助申请的审批', 'S04', 'C', 7, 5, 1, 'dcsp', 'legal hardship', 'id form income proof', None, '法律援助 打官司 律师'),
    ('sf-002', 'sf', '人民调解业务信息查询', 'S03', 'J', 1, 0, 0, 'dco', 'legal', 'id', None, '调解'),
    ('sf-003', 'sf', '公证业务预约办理', 'S03', 'J', 1, 0, 0, 'dco', 'legal marriage death', 'id hukou', None, '公证'),
    ('mz-014', 'mz', '居家养老服务补贴申请', 'S01', 'C', 20, 15, 1, 'dcsp', 'elderly', 'id hukou form income', None, '养老服务 助餐 上门照护'),
    ('mz-015', 'mz', '基本殡葬服务费用减免', 'S01', 'C', 10, 5, 1, 'csp', 'death hardship', 'id death hukou form', None, '殡葬 丧葬'),
]

ELIGIBILITY = {
    'mz': '户籍或居住在本辖区、符合民政救助或福利政策条件的居民及其家庭。',
    'cl': '户籍在本辖区、持有或申请残疾人证的残疾人及其监护人。',
    'yb': '在本辖区参加城乡居民医保或职工医保的人员。',
    'rs': '在本辖区参加社会保险或需要就业服务的人员。',
    'wj': '户籍或居住在本辖区、符合卫生健康政策条件的居民。',
    'ty': '户籍在本辖区的退役军人及其他优抚对象。',
    'ga': '户籍在本辖区的居民，或在本辖区居住的流动人口（居住证）。',
    'sf': '需要法律服务的本辖区居民；法律援助须符合经济困难等条件。',
}
STEPS = {
    'J': '带齐材料到任一办理点（也可请社区代办员上门）\n工作人员当场核验材料\n当场办结，领取结果',
    'C': '带齐材料到任一办理点提交申请\n社区工作人员初审并代为报送\n主管部门审核\n在承诺时限内办结，短信通知结果',
}
FAQS = {
    'J': [
        ('可以让家人代办吗？', '可以。代办人带上本人和申请人的身份证，以及申请人签名的委托书。'),
    ],
    'C': [
        ('材料不齐能先受理吗？', '主要材料齐全的，标为“可后补”的材料可以先受理、在告知的期限内补交（容缺受理）。'),
        ('怎么知道办好了没有？', '受理后会给您回执，凭回执号可查询进度；办结时会短信通知。'),
    ],
}
ENQUIRY_PHONE = '12345'
# fmt: on
