// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IClaimLedger} from "./interfaces/IClaimLedger.sol";
import {IMemberRegistry, Roles} from "./interfaces/IMemberRegistry.sol";
import {IMemberSigned} from "./interfaces/IMemberSigned.sol";
import {IOverlapSettlement} from "./interfaces/IOverlapSettlement.sol";
import {SignerCheck} from "./libraries/SignerCheck.sol";
import {ClaimLedgerClient} from "./utils/ClaimLedgerClient.sol";
import {MemberSigned} from "./utils/MemberSigned.sol";

/**
 * @title OverlapSettlement
 * @notice Settlements of shared decarbonisation projects between partner firms whose
 * footprints overlap: proposal, unanimous signed consent, audited realised reduction,
 * allocation by share, citation by reduction claims, and payments until settled.
 */
contract OverlapSettlement is IOverlapSettlement, MemberSigned, ClaimLedgerClient, Nonces {
    /// @notice Most parties a settlement may have.
    uint256 public constant MAX_PARTIES = 16;
    /// @notice Shares are in basis points of this total.
    uint256 public constant BPS = 10_000;

    /// @notice EIP-712 type hash of {Terms}; the settlement id is the struct hash of the terms.
    bytes32 public constant TERMS_TYPEHASH = keccak256(
        "Terms(address[] parties,uint16[] sharesBps,bytes32[] claimIds,uint64 overlapKgCO2e,bytes32 shipmentRoot,"
        "bytes32 projectHash,uint128 totalCost,bytes3 currency,uint64 expectedReductionKgCO2e,uint64 signingDeadline)"
    );
    /// @notice EIP-712 type hash of {Consent}.
    bytes32 public constant CONSENT_TYPEHASH =
        keccak256("Consent(bytes32 settlementId,address party,uint256 nonce,uint256 deadline)");
    /// @notice EIP-712 type hash of {Decline}.
    bytes32 public constant DECLINE_TYPEHASH =
        keccak256("Decline(bytes32 settlementId,address party,bytes32 reasonHash,uint256 nonce,uint256 deadline)");
    /// @notice EIP-712 type hash of {ReductionAttestation}.
    bytes32 public constant REDUCTION_ATTESTATION_TYPEHASH = keccak256(
        "ReductionAttestation(bytes32 settlementId,address auditor,uint64 realisedKgCO2e,bytes32 evidenceHash,"
        "uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type hash of {Citation}.
    bytes32 public constant CITATION_TYPEHASH =
        keccak256("Citation(bytes32 settlementId,address party,bytes32 claimId,uint256 nonce,uint256 deadline)");
    /// @notice EIP-712 type hash of {Payment}.
    bytes32 public constant PAYMENT_TYPEHASH = keccak256(
        "Payment(bytes32 settlementId,address payer,uint128 amount,bytes32 referenceHash,uint256 nonce,uint256 deadline)"
    );

    struct SettlementSlot {
        SettlementStatus status;
        uint8 partyCount;
        uint8 consents;
        uint8 paidInFull;
        bool reductionRecorded;
        uint64 signingDeadline;
        uint64 realisedKgCO2e;
        uint128 totalCost;
        bytes3 currency;
    }

    struct PartySlot {
        uint16 shareBps;
        bool isParty;
        bool consented;
        uint64 allocationKgCO2e;
        uint128 costShare;
    }

    mapping(bytes32 settlementId => SettlementSlot) private _settlements;
    mapping(bytes32 settlementId => address[]) private _parties;
    mapping(bytes32 settlementId => mapping(address party => PartySlot)) private _partySlots;
    mapping(bytes32 settlementId => mapping(address party => uint128)) private _paid;
    mapping(bytes32 settlementId => mapping(address party => bytes32 claimId)) private _citations;

    /**
     * @param memberRegistry_ The {MemberRegistry}.
     * @param claimLedger_ The {ClaimLedger}.
     */
    constructor(address memberRegistry_, address claimLedger_)
        MemberSigned("CarbonLedger OverlapSettlement", memberRegistry_)
        ClaimLedgerClient(claimLedger_)
    {
        if (memberRegistry_ == address(0) || claimLedger_ == address(0)) revert OverlapSettlementZeroAddress();
    }

    // ------------------------------------------------------------------ functions

    /// @inheritdoc IOverlapSettlement
    function propose(Terms calldata terms) external returns (bytes32 settlementId) {
        _checkProposer(terms.parties);
        uint256 largest = _checkParties(terms);
        _checkClaims(terms);
        _checkProject(terms);
        settlementId = hashTerms(terms);
        if (_settlements[settlementId].status != SettlementStatus.None) {
            revert OverlapSettlementDuplicateProposal(settlementId);
        }
        _propose(settlementId, terms, largest);
    }

    /// @inheritdoc IOverlapSettlement
    function consent(Consent calldata consent_, bytes calldata signature) external {
        _checkSigned(
            consent_.party,
            Roles.FIRM,
            hashConsent(consent_),
            consent_.nonce,
            consent_.deadline,
            signature
        );
        bytes32 id = consent_.settlementId;
        _checkStatus(id, SettlementStatus.Proposed);
        PartySlot storage party = _checkParty(id, consent_.party);
        if (party.consented) revert OverlapSettlementAlreadyConsented(id, consent_.party);
        _consent(id, consent_.party, party);
    }

    /// @inheritdoc IOverlapSettlement
    function decline(Decline calldata decline_, bytes calldata signature) external {
        _checkSigned(
            decline_.party,
            Roles.FIRM,
            hashDecline(decline_),
            decline_.nonce,
            decline_.deadline,
            signature
        );
        bytes32 id = decline_.settlementId;
        _checkStatus(id, SettlementStatus.Proposed);
        _checkParty(id, decline_.party);
        _decline(decline_);
    }

    /// @inheritdoc IOverlapSettlement
    function recordReduction(ReductionAttestation calldata attestation, bytes calldata signature) external {
        _checkSigned(
            attestation.auditor,
            Roles.AUDITOR,
            hashReductionAttestation(attestation),
            attestation.nonce,
            attestation.deadline,
            signature
        );
        bytes32 id = attestation.settlementId;
        SettlementStatus status = _statusOf(id);
        if (status == SettlementStatus.None) revert OverlapSettlementUnknownSettlement(id);
        if (status != SettlementStatus.Agreed && status != SettlementStatus.Settled) {
            revert OverlapSettlementUnexpectedStatus(id, status);
        }
        if (_partySlots[id][attestation.auditor].isParty) revert OverlapSettlementAuditorIsParty(attestation.auditor);
        if (_settlements[id].reductionRecorded) revert OverlapSettlementReductionAlreadyRecorded(id);
        if (attestation.realisedKgCO2e == 0) revert OverlapSettlementZeroReduction();
        _recordReduction(attestation);
    }

    /// @inheritdoc IOverlapSettlement
    function citeAllocation(Citation calldata citation, bytes calldata signature) external {
        _checkSigned(
            citation.party,
            Roles.FIRM,
            hashCitation(citation),
            citation.nonce,
            citation.deadline,
            signature
        );
        bytes32 id = citation.settlementId;
        if (_settlements[id].status == SettlementStatus.None) revert OverlapSettlementUnknownSettlement(id);
        PartySlot storage party = _checkParty(id, citation.party);
        if (!_settlements[id].reductionRecorded) revert OverlapSettlementReductionNotRecorded(id);
        if (party.allocationKgCO2e == 0) revert OverlapSettlementZeroAllocation(id, citation.party);
        IClaimLedger.ClaimRecord memory claim = _ledger.claimOf(citation.claimId);
        if (
            claim.firm != citation.party || claim.kind != IClaimLedger.ClaimKind.Reduction
                || claim.status != IClaimLedger.ClaimStatus.Active
        ) revert OverlapSettlementNotReductionOfParty(citation.claimId, citation.party);
        bytes32 previous = _citations[id][citation.party];
        if (previous != bytes32(0) && _ledger.isActive(previous)) {
            revert OverlapSettlementAllocationAlreadyCited(id, citation.party, previous);
        }
        _cite(citation, party.allocationKgCO2e, previous);
    }

    /// @inheritdoc IOverlapSettlement
    function recordPayment(Payment calldata payment, bytes calldata signature) external {
        _checkSigned(
            payment.payer,
            Roles.FIRM,
            hashPayment(payment),
            payment.nonce,
            payment.deadline,
            signature
        );
        bytes32 id = payment.settlementId;
        _checkStatus(id, SettlementStatus.Agreed);
        PartySlot storage party = _checkParty(id, payment.payer);
        if (payment.amount == 0) revert OverlapSettlementZeroPayment();
        uint256 paidAfter = uint256(_paid[id][payment.payer]) + payment.amount;
        if (paidAfter > party.costShare) {
            revert OverlapSettlementOverpayment(id, payment.payer, party.costShare, paidAfter);
        }
        _pay(payment, uint128(paidAfter), party.costShare);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IOverlapSettlement
    function settlementOf(bytes32 settlementId) external view returns (SettlementView memory) {
        SettlementSlot memory s = _settlements[settlementId];
        return SettlementView({
            status: _statusOf(settlementId),
            signingDeadline: s.signingDeadline,
            consents: s.consents,
            paidInFull: s.paidInFull,
            reductionRecorded: s.reductionRecorded,
            realisedKgCO2e: s.realisedKgCO2e,
            totalCost: s.totalCost,
            currency: s.currency,
            parties: _parties[settlementId]
        });
    }

    /// @inheritdoc IOverlapSettlement
    function partyOf(bytes32 settlementId, address party) external view returns (PartyView memory) {
        PartySlot memory p = _partySlots[settlementId][party];
        return PartyView({
            shareBps: p.shareBps,
            consented: p.consented,
            allocationKgCO2e: p.allocationKgCO2e,
            costShare: p.costShare,
            paid: _paid[settlementId][party],
            citingClaim: _citations[settlementId][party]
        });
    }

    /// @inheritdoc IOverlapSettlement
    function hashTerms(Terms calldata terms) public pure returns (bytes32) {
        bytes memory arrays = abi.encode(
            TERMS_TYPEHASH,
            keccak256(abi.encodePacked(terms.parties)),
            keccak256(abi.encodePacked(terms.sharesBps)),
            keccak256(abi.encodePacked(terms.claimIds))
        );
        bytes memory project = abi.encode(
            terms.overlapKgCO2e,
            terms.shipmentRoot,
            terms.projectHash,
            terms.totalCost,
            terms.currency,
            terms.expectedReductionKgCO2e,
            terms.signingDeadline
        );
        return keccak256(bytes.concat(arrays, project));
    }

    /// @inheritdoc IOverlapSettlement
    function hashConsent(Consent calldata consent_) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(CONSENT_TYPEHASH, consent_));
    }

    /// @inheritdoc IOverlapSettlement
    function hashDecline(Decline calldata decline_) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(DECLINE_TYPEHASH, decline_));
    }

    /// @inheritdoc IOverlapSettlement
    function hashReductionAttestation(ReductionAttestation calldata attestation)
        public
        pure
        returns (bytes32 structHash)
    {
        return keccak256(abi.encode(REDUCTION_ATTESTATION_TYPEHASH, attestation));
    }

    /// @inheritdoc IOverlapSettlement
    function hashCitation(Citation calldata citation) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(CITATION_TYPEHASH, citation));
    }

    /// @inheritdoc IOverlapSettlement
    function hashPayment(Payment calldata payment) public pure returns (bytes32 structHash) {
        return keccak256(abi.encode(PAYMENT_TYPEHASH, payment));
    }

    /// @inheritdoc IMemberSigned
    function nonces(address account) public view override(IMemberSigned, Nonces) returns (uint256) {
        return super.nonces(account);
    }

    // ------------------------------------------------------------------ checks

    function _checkProposer(address[] calldata parties) private view {
        if (_members.hasRole(msg.sender, Roles.RELAYER)) return;
        if (_members.hasRole(msg.sender, Roles.FIRM)) {
            for (uint256 i = 0; i < parties.length; ++i) {
                if (parties[i] == msg.sender) return;
            }
        }
        revert OverlapSettlementUnauthorizedProposer(msg.sender);
    }

    /// @dev Returns the index of the party with the largest share (first on a tie).
    function _checkParties(Terms calldata terms) private view returns (uint256 largest) {
        uint256 n = terms.parties.length;
        if (n < 2) revert OverlapSettlementTooFewParties(n);
        if (n > MAX_PARTIES) revert OverlapSettlementTooManyParties(n);
        if (terms.sharesBps.length != n) revert OverlapSettlementLengthMismatch(n, terms.sharesBps.length);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            address party = terms.parties[i];
            for (uint256 j = 0; j < i; ++j) {
                if (terms.parties[j] == party) revert OverlapSettlementDuplicateParty(party);
            }
            if (!_members.hasRole(party, Roles.FIRM)) revert OverlapSettlementInactiveParty(party);
            uint256 share = terms.sharesBps[i];
            if (share == 0) revert OverlapSettlementZeroShare(party);
            if (share > terms.sharesBps[largest]) largest = i;
            total += share;
        }
        if (total != BPS) revert OverlapSettlementInvalidShareTotal(total);
    }

    function _checkClaims(Terms calldata terms) private view {
        uint256 n = terms.claimIds.length;
        if (n == 0) revert OverlapSettlementNoClaims();
        for (uint256 i = 0; i < n; ++i) {
            bytes32 claimId = terms.claimIds[i];
            IClaimLedger.ClaimRecord memory claim = _ledger.claimOf(claimId);
            bool ofParty;
            for (uint256 j = 0; j < terms.parties.length; ++j) {
                if (terms.parties[j] == claim.firm) ofParty = true;
            }
            if (!ofParty || claim.status != IClaimLedger.ClaimStatus.Active) {
                revert OverlapSettlementClaimNotOfParty(claimId, claim.firm);
            }
        }
    }

    function _checkProject(Terms calldata terms) private view {
        if (terms.totalCost == 0) revert OverlapSettlementZeroCost();
        bytes3 currency = terms.currency;
        for (uint256 i = 0; i < 3; ++i) {
            bytes1 c = currency[i];
            if (c < "A" || c > "Z") revert OverlapSettlementInvalidCurrency(currency);
        }
        if (terms.signingDeadline < block.timestamp) revert OverlapSettlementDeadlinePassed(terms.signingDeadline);
    }

    function _checkStatus(bytes32 id, SettlementStatus expected) private view {
        SettlementStatus status = _statusOf(id);
        if (status == SettlementStatus.None) revert OverlapSettlementUnknownSettlement(id);
        if (status != expected) revert OverlapSettlementUnexpectedStatus(id, status);
    }

    function _checkParty(bytes32 id, address account) private view returns (PartySlot storage party) {
        party = _partySlots[id][account];
        if (!party.isParty) revert OverlapSettlementNotParty(id, account);
    }

    /// @dev Reverts unless `signature` over `structHash` is by the current key of `account`, an
    /// active member holding `role`, before `deadline`, with `account`'s next `nonce`.
    function _checkSigned(
        address account,
        uint8 role,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        if (block.timestamp > deadline) revert OverlapSettlementExpiredSignature(deadline);
        (address key, uint8 roles, IMemberRegistry.MemberStatus status) = _members.memberState(account);
        if (status != IMemberRegistry.MemberStatus.Active || roles & role == 0) {
            revert OverlapSettlementMissingRole(account, role);
        }
        if (!SignerCheck.isValidSignature(key, _hashTypedDataV4(structHash), signature)) {
            revert OverlapSettlementInvalidSignature(account, key);
        }
        uint256 expected = nonces(account);
        if (nonce < expected) revert OverlapSettlementNonceAlreadyUsed(account, nonce);
        if (nonce > expected) revert OverlapSettlementNonceOutOfOrder(account, expected, nonce);
    }

    function _statusOf(bytes32 id) private view returns (SettlementStatus status) {
        SettlementSlot storage s = _settlements[id];
        status = s.status;
        if (status == SettlementStatus.Proposed && block.timestamp > s.signingDeadline) {
            status = SettlementStatus.Expired;
        }
    }

    // ------------------------------------------------------------------ effects

    function _propose(bytes32 id, Terms calldata terms, uint256 largest) private {
        uint256 n = terms.parties.length;
        uint128 totalCost = terms.totalCost;
        _settlements[id] = SettlementSlot({
            status: SettlementStatus.Proposed,
            partyCount: uint8(n),
            consents: 0,
            paidInFull: 0,
            reductionRecorded: false,
            signingDeadline: terms.signingDeadline,
            realisedKgCO2e: 0,
            totalCost: totalCost,
            currency: terms.currency
        });
        _parties[id] = terms.parties;
        uint256 assigned;
        for (uint256 i = 0; i < n; ++i) {
            uint16 share = terms.sharesBps[i];
            uint128 cost = uint128((uint256(totalCost) * share) / BPS);
            assigned += cost;
            _partySlots[id][terms.parties[i]] = PartySlot(share, true, false, 0, cost);
        }
        _partySlots[id][terms.parties[largest]].costShare += uint128(totalCost - assigned);
        emit SettlementProposed(id, msg.sender, terms);
    }

    function _consent(bytes32 id, address account, PartySlot storage party) private {
        _useNonce(account);
        SettlementSlot storage s = _settlements[id];
        party.consented = true;
        uint8 consents = ++s.consents;
        emit SettlementConsented(id, account, consents);
        if (consents == s.partyCount) {
            s.status = SettlementStatus.Agreed;
            emit SettlementAgreed(id);
        }
    }

    function _decline(Decline calldata decline_) private {
        _useNonce(decline_.party);
        _settlements[decline_.settlementId].status = SettlementStatus.Declined;
        emit SettlementDeclined(decline_.settlementId, decline_.party, decline_.reasonHash);
    }

    function _recordReduction(ReductionAttestation calldata attestation) private {
        _useNonce(attestation.auditor);
        bytes32 id = attestation.settlementId;
        uint64 realised = attestation.realisedKgCO2e;
        SettlementSlot storage s = _settlements[id];
        s.reductionRecorded = true;
        s.realisedKgCO2e = realised;
        address[] storage parties = _parties[id];
        uint256 n = parties.length;
        uint256 allocated;
        address largest;
        uint16 largestShare;
        for (uint256 i = 0; i < n; ++i) {
            PartySlot storage party = _partySlots[id][parties[i]];
            uint64 allocation = uint64((uint256(realised) * party.shareBps) / BPS);
            party.allocationKgCO2e = allocation;
            allocated += allocation;
            if (party.shareBps > largestShare) (largest, largestShare) = (parties[i], party.shareBps);
        }
        _partySlots[id][largest].allocationKgCO2e += uint64(realised - allocated);
        emit ReductionRecorded(id, attestation.auditor, realised, attestation.evidenceHash);
    }

    function _cite(Citation calldata citation, uint64 allocation, bytes32 previous) private {
        _useNonce(citation.party);
        _citations[citation.settlementId][citation.party] = citation.claimId;
        emit AllocationCited(citation.settlementId, citation.party, citation.claimId, allocation, previous);
    }

    function _pay(Payment calldata payment, uint128 paidAfter, uint128 costShare) private {
        _useNonce(payment.payer);
        bytes32 id = payment.settlementId;
        _paid[id][payment.payer] = paidAfter;
        emit PaymentRecorded(id, payment.payer, payment.amount, payment.referenceHash, paidAfter);
        if (paidAfter == costShare) {
            SettlementSlot storage s = _settlements[id];
            if (++s.paidInFull == s.partyCount) {
                s.status = SettlementStatus.Settled;
                emit SettlementSettled(id);
            }
        }
    }
}
